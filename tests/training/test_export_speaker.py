"""The speaker model export rebuilds the committed ONNX file byte for byte and matches torch.

Needs the train extra (torch, resemblyzer): run it with
``.venv-train/bin/python -m pytest tests/training/test_export_speaker.py``; CI has no torch and
skips it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the export needs torch: run under .venv-train (CI has none)")
pytest.importorskip("resemblyzer", reason="the export needs resemblyzer (the train extra)")

from agent_assist import modelstore  # noqa: E402
from training import export_speaker  # noqa: E402

pytestmark = pytest.mark.slow


def test_export_reproduces_the_committed_model_and_matches_torch(tmp_path: Path) -> None:
    target = tmp_path / "model.onnx"
    net = export_speaker.load_encoder()
    export_speaker.export(net, target)
    expected = modelstore.find_spec("speaker-ge2e").files[0].sha256
    assert modelstore.file_sha256(target) == expected
    if not (export_speaker.SPEECH / "jfk" / "jfk.wav").is_file():
        pytest.skip("speech data not fetched (bench/fetch_data.py): torch check left out")
    assert export_speaker.check(net, target, tolerance=1e-5) < 1e-5
