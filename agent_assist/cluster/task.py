"""What runs on a Dask worker: one call analysed with the worker's models, redacted there.

The models are loaded once per worker process (``_models``, keyed by the config fingerprint) and
counted, so a run can show that each worker loaded them once. The result carries only redacted
events and an error line that names the call by its id, never by its file's path.
This module imports no Dask: the task is a plain function that Dask pickles by reference.
"""

from __future__ import annotations

import logging
import os
import resource
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_assist.batch import analyze_one
from agent_assist.callnames import CallName, NameScrubber
from agent_assist.config import Config, with_values
from agent_assist.edge import OutputEdge
from agent_assist.pipeline import Models, load_models

log = logging.getLogger(__name__)

_lock = threading.Lock()
_models: dict[str, tuple[Config, Models]] = {}
_loads = 0


@dataclass(frozen=True)
class CallTask:
    call_id: str
    path: str
    config: dict[str, Any]
    fingerprint: str
    threads: int | None = None
    """ASR and sentiment threads per worker; None keeps the config's."""
    audio: bytes | None = None
    """The file's bytes (``--ship-audio``); None: the worker reads ``path``."""

    def __repr__(self) -> str:
        """What Dask may log about a task: its call id, never its path or its audio."""
        return f"CallTask({self.call_id!r})"


@dataclass
class TaskResult:
    call_id: str
    events: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    worker: str = ""
    loads: int = 0
    peak_rss_mb: float = 0.0


def worker_models(task: CallTask) -> tuple[Config, Models]:
    """This process's config and models for ``task``'s fingerprint, loaded on first use."""
    global _loads
    with _lock:
        if task.fingerprint not in _models:
            config = Config.model_validate(task.config)
            if task.threads is not None:
                threads = {"asr.cpu_threads": task.threads, "sentiment.threads": task.threads}
                config = with_values(config, threads)
            log.info("loading models on worker %d", os.getpid())
            _models[task.fingerprint] = (config, load_models(config))
            _loads += 1
        return _models[task.fingerprint]


def score_call(task: CallTask) -> TaskResult:
    """Analyse one call on this worker; events redacted unless the config keeps PII."""
    config, models = worker_models(task)
    with _input(task) as path:
        outcome = analyze_one(path, models, config, name=task.call_id)
        error = outcome.error
        if error is not None:
            error = NameScrubber([CallName(path, task.call_id)]).scrub(error)
            error = NameScrubber([CallName(Path(task.path), task.call_id)]).scrub(error)
    events = OutputEdge.from_config(config).pass_all(outcome.events)
    return TaskResult(
        task.call_id,
        [event.to_dict() for event in events],
        error,
        f"{os.uname().nodename}:{os.getpid()}",
        _loads,
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )


class _input:
    """The call's file: ``task.path``, or its shipped bytes in a private temporary file."""

    def __init__(self, task: CallTask) -> None:
        self.task = task
        self.temp: Path | None = None

    def __enter__(self) -> Path:
        if self.task.audio is None:
            return Path(self.task.path)
        suffix = Path(self.task.path).suffix
        descriptor, name = tempfile.mkstemp(prefix="agent-assist-", suffix=suffix)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(self.task.audio)
        self.temp = Path(name)
        return self.temp

    def __exit__(self, *exc: object) -> None:
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)
