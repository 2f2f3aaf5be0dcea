"""Peak memory of ``analyze`` on a short and a long call with the same content density.

Builds two stereo FLAC calls in a temporary folder (8 kHz, as telephone recordings are): low
background noise on both channels and a real speech clip (``tests/data``) every
``--every`` seconds, alternating agent (left) and customer (right). Each call is analysed in a
fresh process (``load_models`` + ``analyze_call``, default config, fast profile); the process's
peak RSS (VmHWM) is printed with the CPU time and the number of utterances. The streaming
analysis keeps the long call's peak within 100 MB of the short one's.

    .venv/bin/python bench/long_call_memory.py [--short-s 180] [--long-s 10800] [--every 180]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
CLIP = ROOT / "tests" / "data" / "librivox_ill_disposed.flac"
RATE = 8000
NOISE = 3e-5
"""Background noise level (about one 16-bit step): silence as a recorder writes it."""

PROBE = """
import json, os, resource, sys
sys.path.insert(0, sys.argv[2])
from pathlib import Path
from agent_assist.config import Config
from agent_assist.events import TranscriptFinal
from agent_assist.pipeline import analyze_call, load_models
config = Config()
models = load_models(config)
finals = []
analyze_call(Path(sys.argv[1]), models, config,
             lambda e: finals.append(e) if isinstance(e, TranscriptFinal) else None)
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({
    "peak_mb": int(status["VmHWM"].split()[0]) / 1024,
    "cpu_s": usage.ru_utime + usage.ru_stime,
    "utterances": len(finals),
    "texts": [f.text for f in finals],
}))
"""


def make_call(path: Path, seconds: float, every: float, rate: int = RATE) -> int:
    """Write a stereo call of ``seconds``: noise, and the speech clip every ``every`` seconds
    (the first at ``every / 6``), alternating channels. Written block by block; returns the
    number of clips placed."""
    from agent_assist.audio.resample import resample

    speech, clip_rate = sf.read(CLIP, dtype="float32")
    speech = resample(speech, clip_rate, rate)
    rng = np.random.default_rng(7)
    total, block = int(seconds * rate), int(every * rate)
    placed = 0
    with sf.SoundFile(path, "w", rate, 2, subtype="PCM_16", format="FLAC") as out:
        for begin in range(0, total, block):
            length = min(block, total - begin)
            audio = (rng.standard_normal((length, 2)) * NOISE).astype(np.float32)
            at = int(every / 6 * rate)
            if at + len(speech) <= length:
                audio[at : at + len(speech), placed % 2] += speech
                placed += 1
            out.write(audio)
    return placed


def measure(path: Path) -> dict[str, object]:
    """Analyse ``path`` in a fresh process; its peak RSS, CPU time and transcripts."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    run = subprocess.run(
        [sys.executable, "-c", PROBE, str(path), str(ROOT)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    result: dict[str, object] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short-s", type=float, default=180.0)
    parser.add_argument("--long-s", type=float, default=3 * 3600.0)
    parser.add_argument("--every", type=float, default=180.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        rows = []
        for seconds in (args.short_s, args.long_s):
            path = Path(folder) / f"call_{int(seconds)}s.flac"
            clips = make_call(path, seconds, args.every)
            size_mb = path.stat().st_size / 2**20
            figures = measure(path)
            rows.append(figures)
            print(
                f"{seconds / 60:6.0f} min stereo {RATE} Hz FLAC ({size_mb:.0f} MB, {clips} clips):"
                f" peak RSS {figures['peak_mb']:.0f} MB, CPU {figures['cpu_s']:.0f} s,"
                f" {figures['utterances']} utterances",
                flush=True,
            )
        growth = float(rows[1]["peak_mb"]) - float(rows[0]["peak_mb"])  # type: ignore[arg-type]
        print(f"long - short peak RSS: {growth:+.0f} MB (target within +-100 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
