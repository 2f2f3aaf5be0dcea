"""The speaker model runs with nothing going out, native threads included.

A fresh process loads ``CamppEncoder`` (CAM++, the model diarization uses) from the manifest
and embeds 42 s of real speech (three speakers), then stays alive until 35 s have passed
(onnxruntime's telemetry first looks up its host about 10 s in), under ``strace -f`` in a
loopback-only namespace with a private HOME and an environment that asks for telemetry
(``tests/offline/harness.py``). It must make no DNS or outside attempt and leave no
onnxruntime telemetry files, and its result must be real: the same
speaker's halves closer than two different speakers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.offline import harness
from tests.offline.harness import python_argv

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parents[1] / "data"
RUN_S = 35

SCRIPT = """
import json, sys, time
started = time.monotonic()
import numpy as np
import soundfile as sf
from agent_assist.speakers.campplus import CamppEncoder

data = sys.argv[1]
clips = [sf.read(f"{data}/{name}.flac", dtype="float32")[0]
         for name in ("jfk", "mfa_uhuh", "librivox_ill_disposed")]
speech = np.concatenate(clips * 2)
encoder = CamppEncoder.load()
starts, embeddings = encoder.embed_windows(speech)
jfk, mfa = clips[0], clips[1]
first, second = encoder.embed(jfk[: len(jfk) // 2]), encoder.embed(jfk[len(jfk) // 2 :])
other = encoder.embed(mfa)
print(json.dumps({"seconds": len(speech) / 16000, "windows": len(starts),
                  "same": float(first @ second), "different": float(first @ other)}), flush=True)
time.sleep(max(0.0, float(sys.argv[2]) - (time.monotonic() - started)))
"""


def test_speaker_encoder_makes_no_outside_attempt(tmp_path: Path) -> None:
    script = tmp_path / "embed.py"
    script.write_text(SCRIPT)
    run = harness.start(
        "speaker encoder", python_argv(str(script), str(DATA), str(RUN_S)), tmp_path / "run"
    )
    done = run.finish(600)
    assert done.returncode == 0, done.explain()
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["seconds"] > 30 and result["windows"] >= 80, result
    assert result["same"] > result["different"] + 0.1, result
    assert done.seconds >= RUN_S
    assert done.forbidden == [], done.explain()
    assert done.telemetry_files == [], done.explain()
