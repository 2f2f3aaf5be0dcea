"""The worker's task: models once per process, errors and logs name the call by its id."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from agent_assist.cluster import task as task_module
from agent_assist.cluster.task import CallTask, score_call
from agent_assist.config import Config


def _task(path: Path, audio: bytes | None = None, fingerprint: str = "f1") -> CallTask:
    return CallTask("[PHONE]", str(path), Config().model_dump(mode="json"), fingerprint, 2, audio)


def test_models_load_once_per_worker_and_config(tmp_path, monkeypatch):
    loaded: list[Config] = []
    monkeypatch.setattr(task_module, "_models", {})
    monkeypatch.setattr(task_module, "load_models", lambda config: loaded.append(config))
    bad = tmp_path / "5551234567.wav"
    bad.write_text("not audio")
    for _ in range(3):
        result = score_call(_task(bad))
    score_call(_task(bad, fingerprint="f2"))
    assert len(loaded) == 2
    assert loaded[0].asr.cpu_threads == 2 and loaded[0].sentiment.threads == 2
    assert result.loads >= 1 and result.worker.endswith(f":{os.getpid()}")


def test_a_failed_call_is_named_by_its_id_never_its_path(tmp_path, monkeypatch):
    monkeypatch.setattr(task_module, "load_models", lambda config: object())
    monkeypatch.setattr(task_module, "_models", {})
    bad = tmp_path / "5551234567.wav"
    bad.write_text("not audio")
    read = score_call(_task(bad))
    shipped = score_call(_task(bad, audio=b"not audio either"))
    for result in (read, shipped):
        assert result.error == "[PHONE]: not an audio file, or a format that cannot be read"
        assert result.events == []
    assert not list(Path(tempfile.gettempdir()).glob("agent-assist-*.wav"))


def test_what_dask_may_log_about_a_task_is_its_call_id(tmp_path):
    task = _task(tmp_path / "5551234567.wav", audio=b"RIFF" * 1000)
    assert repr(task) == "CallTask('[PHONE]')"
