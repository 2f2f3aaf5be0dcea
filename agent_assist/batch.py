"""Analyse many recorded calls: input discovery, worker processes, one result per call.

Each worker process loads the models once (process initializer) and analyses calls one by one;
a call that fails gives an error line and the batch carries on.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_assist.config import Config
from agent_assist.errors import AgentAssistError, AudioError
from agent_assist.events import Event, event_from_dict
from agent_assist.pipeline import Models, analyze_call, load_models

log = logging.getLogger(__name__)


@dataclass
class CallResult:
    path: Path
    events: list[Event] = field(default_factory=list)
    error: str | None = None


def collect_inputs(inputs: list[Path]) -> tuple[list[Path], list[str]]:
    """Expand folders into their audio files (sorted); return the files and the input errors."""
    from agent_assist.audio.files import AUDIO_SUFFIXES

    files: list[Path] = []
    errors: list[str] = []
    for item in inputs:
        if item.is_dir():
            found = sorted(p for p in item.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
            if not found:
                errors.append(f"{item}: folder contains no audio files")
            files += found
        elif item.is_file():
            files.append(item)
        else:
            errors.append(f"{item}: no such file or folder")
    return files, errors


def analyze_one(
    path: Path, models: Models, config: Config, on_event: Callable[[Event], None] | None = None
) -> CallResult:
    result = CallResult(path)

    def keep(event: Event) -> None:
        result.events.append(event)
        if on_event:
            on_event(event)

    try:
        analyze_call(path, models, config, keep)
    except AgentAssistError as error:
        result.error = str(error)
    except (OSError, ValueError, RuntimeError) as error:
        result.error = str(AudioError(f"{path}: {error}"))
    return result


_worker: dict[str, Any] = {}
"""Per-process state of a batch worker: its config and models, set once by the initializer."""


def _init_worker(config_data: dict[str, Any], threads: int) -> None:
    config = Config.model_validate(config_data)
    config.asr.cpu_threads = threads
    _worker["config"] = config
    _worker["models"] = load_models(config)


def _analyze_in_worker(path: Path) -> tuple[Path, list[dict[str, Any]], str | None]:
    result = analyze_one(path, _worker["models"], _worker["config"])
    return path, [event.to_dict() for event in result.events], result.error


def run_parallel(files: list[Path], config: Config, workers: int) -> Iterator[CallResult]:
    """Analyse ``files`` on ``workers`` processes; yields results as calls finish."""
    threads = max(1, (os.cpu_count() or 1) // workers)
    with ProcessPoolExecutor(
        max_workers=workers,
        initializer=_init_worker,
        initargs=(config.model_dump(mode="json"), threads),
    ) as pool:
        for path, events, error in pool.map(_analyze_in_worker, files):
            yield CallResult(path, [event_from_dict(e) for e in events], error)
