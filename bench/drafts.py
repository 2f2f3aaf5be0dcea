"""Caption drafts: cost and word precision of the first drafts, by encoder window and token cap.

A live utterance's first caption draft is decoded from 0.8 s of audio (0.3 s pre-roll plus
0.5 s of speech), the next ones from 1.3 s and 2.3 s. This cuts those prefixes from every
utterance of at least 1 s in the DATA.md recordings (found by the same VAD segmenter as the
pipeline) and decodes each with ``DraftTranscriber`` in three settings:

* full: the padded 30 s window (what plain faster-whisper does);
* short: the live window (``asr.live_window_s``, 10 s), no token cap;
* short + cap: the live window with at most ``TOKENS_PER_S`` tokens per second (what ships).

It prints the median, p90 and worst decode time, the precision of the draft words against the
recording's reference (order-free, with multiplicity; words normalised as for WER), and how
many drafts were empty. The machine is shared: run it alone.

    .venv/bin/python bench/drafts.py [--profile accurate]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from agent_assist.asr.metrics import normalise_words, words_found  # noqa: E402
from agent_assist.asr.streaming import DraftTranscriber  # noqa: E402
from agent_assist.asr.whisper import WhisperTranscriber  # noqa: E402
from agent_assist.audio.files import load_call  # noqa: E402
from agent_assist.config import AsrConfig, VadConfig  # noqa: E402
from agent_assist.contracts import SAMPLE_RATE  # noqa: E402
from agent_assist.vad.silero import SileroVad  # noqa: E402
from bench.wer import speech_sets, utterances_of  # noqa: E402

PREFIXES_S = (0.8, 1.3, 2.3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="fast", choices=("fast", "accurate"))
    args = parser.parse_args()
    asr = WhisperTranscriber.load(AsrConfig(profile=args.profile, device="cpu"))
    window = asr.config.live_window_s
    settings = {
        "full 30 s": DraftTranscriber(asr.model, "en", 30.0, None),
        f"short {window:.0f} s": DraftTranscriber(asr.model, "en", window, None),
        f"short {window:.0f} s + cap": DraftTranscriber(asr.model, "en", window),
    }
    vad = SileroVad.load()
    rows: dict[tuple[float, str], list[tuple[float, int, int]]] = {}
    utterances = 0
    for clips in speech_sets().values():
        for clip in clips:
            audio = load_call(clip.path, mono_role="customer")["customer"]
            reference = normalise_words(clip.reference)
            for utterance in utterances_of(audio, vad, VadConfig()):
                if utterance.end - utterance.start < 1.0:
                    continue
                utterances += 1
                for prefix in PREFIXES_S:
                    part = utterance.audio[: int(prefix * SAMPLE_RATE)]
                    for name, draft in settings.items():
                        started = time.perf_counter()
                        heard = normalise_words(draft.transcribe(part).text)
                        cost = time.perf_counter() - started
                        said = (cost, words_found(heard, reference), len(heard))
                        rows.setdefault((prefix, name), []).append(said)
    print(f"caption drafts, {args.profile} ({asr.model_name}): {utterances} utterances of >= 1 s")
    print(
        f"  {'audio':>5}  {'setting':18} {'median ms':>9} {'p90 ms':>7} {'max ms':>7}"
        f" {'precision':>9} empty"
    )
    for (prefix, name), said in rows.items():
        costs = sorted(c for c, _, _ in said)
        p90 = costs[min(len(costs) - 1, int(0.9 * len(costs)))]
        found, total = sum(f for _, f, _ in said), sum(n for _, _, n in said)
        empty = sum(1 for _, _, n in said if n == 0)
        print(
            f"  {prefix:4.1f}s  {name:18} {1000 * statistics.median(costs):9.0f} {1000 * p90:7.0f}"
            f" {1000 * costs[-1]:7.0f}"
            f" {found / max(1, total):6.3f} ({total:3d} words) {empty}/{len(said)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
