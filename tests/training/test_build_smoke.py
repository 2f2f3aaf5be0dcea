"""The whole build on a few hundred rows: teacher, its logit cache, distilled student, export.

Needs the train extra (torch); CI has none, so there it is skipped. Run it with
``.venv-train/bin/python -m pytest -q tests/training/test_build_smoke.py`` (minutes).
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the build needs torch: run under .venv-train (CI has none)")

from agent_assist.sentiment.model import OnnxSentimentModel  # noqa: E402
from training import softlabels  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def _offline(command: list[str]) -> list[str]:
    """In a loopback-only network namespace where we may make one (the data and the teacher
    come from the local package index, never the network)."""
    if shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"]).returncode == 0:
        quoted = " ".join(f"'{part}'" for part in command)
        return ["unshare", "-n", "sh", "-c", f"ip link set lo up 2>/dev/null; exec {quoted}"]
    return command


@pytest.mark.slow
def test_the_smoke_build_runs_teacher_cache_distilled_student_and_export(tmp_path: Path) -> None:
    work = tmp_path / "smoke"
    command = [sys.executable, "training/build.py", "--smoke", "--work", str(work)]
    done = subprocess.run(
        _offline(command), cwd=ROOT, capture_output=True, text=True, timeout=3600
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]

    assert "MELD: dropped 2602 test-split rows" in output
    cache = work / "teacher" / "logits.npz"
    meta = softlabels.verify(cache)  # the recorded sha256 matches the file
    assert meta["rows"] > 400
    assert "distilling from" in output and "int8 ONNX agrees with fp32 torch" in output
    config = json.loads((work / "model" / "config.json").read_text())
    assert config["train"]["distill_weight"] > 0
    assert (work / "model" / "model.onnx").stat().st_size <= 30_000_000

    model = OnnxSentimentModel.load(work / "model", threads=1)
    probs, emotions = model.probabilities(["I want my money back.", "Thanks, that fixed it!"])
    assert probs.shape == (2, 3) and emotions.shape == (2, 6)

    raw = bytearray(cache.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # one flipped byte: the next build refuses the cache
    cache.write_bytes(bytes(raw))
    again = subprocess.run(
        _offline(command), cwd=ROOT, capture_output=True, text=True, timeout=3600
    )
    assert again.returncode != 0
    last = again.stderr.strip().splitlines()[-1]
    assert last.startswith("teacher logit cache:") and "does not match logits.json" in last
