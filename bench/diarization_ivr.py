"""A phone menu before the call (``bench/diarization.py --ivr``): Asterisk's recorded IVR main
prompt ("Thank you for calling Super Awesome Company ... press one ...", 25 s, one real voice
recorded at 8 kHz; fetched by ``bench/fetch_data.py``, CC-BY-SA 3.0, not in DATA.md) opens
each two-voice mix. Three voices to find, and the menu must be ``other``, never the agent:
it greets like one.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for entry in (ROOT, ROOT / "bench"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from diarization import Call, Speaker, alternate, pieces, place  # noqa: E402
from wer import DATA, Clip  # noqa: E402

from agent_assist.vad.silero import SileroVad  # noqa: E402
from training.prompts import by_name  # noqa: E402

IVR = "ivr"
PROMPT = "basic-pbx-ivr-main"


def ivr_speaker(vad: SileroVad) -> Speaker:
    folder = DATA / "asterisk"
    if not (folder / "wav" / f"{PROMPT}.wav").is_file():
        raise SystemExit(f"{folder}: Asterisk prompts missing; run bench/fetch_data.py first")
    with gzip.open(folder / "core-sounds-en.txt.gz", "rt", encoding="utf-8") as handle:
        text = by_name(handle)[PROMPT]
    clip = Clip(folder / "wav" / f"{PROMPT}.wav", text)
    return Speaker(IVR, tuple(pieces(clip, vad)), text)


def after_ivr(ivr: Speaker, a: Speaker, b: Speaker, rng: np.random.Generator) -> Call:
    """The menu's pieces, then ``a`` (the agent, the first human voice) and ``b`` alternating."""
    order = [(ivr, piece) for piece in ivr.pieces] + alternate(a, a.pieces, b, b.pieces)
    texts = {IVR: ivr.text, a.name: a.text, b.name: b.text}
    return place(f"ivr>{a.name}+{b.name}", order, rng, texts, a.name)
