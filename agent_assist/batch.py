"""Analyse many recorded calls: input discovery, worker processes, one result per call.

Each worker process loads the models once (process initializer) and analyses calls one by one;
a call that fails gives an error line and the batch carries on. A worker process that dies
(killed, out of memory) breaks only its pool: the calls it was running are tried once more, one
at a time in a fresh pool, and fail with an error line if they kill that one too; calls that
had not started yet carry on in a fresh pool.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_assist.config import Config, with_values
from agent_assist.errors import AgentAssistError, AudioError
from agent_assist.events import CallSummary, Event, event_from_dict
from agent_assist.pipeline import Models, analyze_call, load_models
from agent_assist.tables import os_reason

log = logging.getLogger(__name__)

WORKER_DIED = "the worker process analysing it died (killed, or out of memory?), twice"
WORKERS_FAILED = "the worker processes failed to start (see the log)"


@dataclass
class CallResult:
    path: Path
    events: list[Event] = field(default_factory=list)
    error: str | None = None


# ---------------------------------------------------------------- inputs


def collect_inputs(inputs: list[Path]) -> tuple[list[Path], list[str]]:
    """Expand folders into their audio files (sorted), each file once; return the files and
    the input errors."""
    from agent_assist.audio.files import input_problem

    files: list[Path] = []
    errors: list[str] = []
    for item in inputs:
        if item.is_dir():
            found, problems = _audio_in_folder(item)
            if not found and not problems:
                problems.append(f"{item}: folder contains no audio files")
            files += found
            errors += problems
        elif (problem := input_problem(item)) is None:
            files.append(item)
        else:
            errors.append(problem)
    return _once(files), errors


def _once(files: list[Path]) -> list[Path]:
    """Each file once, however often it was given (as itself or inside a folder)."""
    seen: set[Path] = set()
    unique = []
    for path in files:
        if (key := path.resolve()) not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def _audio_in_folder(folder: Path) -> tuple[list[Path], list[str]]:
    """Audio files under ``folder`` (symlinked folders are not followed) and the reasons any
    sub-folder or audio-named entry cannot be read."""
    from agent_assist.audio.files import AUDIO_SUFFIXES, input_problem

    found: list[Path] = []
    problems: list[str] = []

    def unreadable(error: OSError) -> None:
        problems.append(f"cannot read folder {error.filename}: {os_reason(error)}")

    for root, _dirs, names in os.walk(folder, onerror=unreadable):
        for path in (Path(root) / name for name in names):
            if path.suffix.lower() not in AUDIO_SUFFIXES:
                continue
            if (problem := input_problem(path)) is None:
                found.append(path)
            else:
                problems.append(problem)
    return sorted(found), problems


def worker_count(requested: int, files: int) -> int:
    """Worker processes worth starting: no more than calls, nor than CPU cores."""
    return max(1, min(requested, files, os.cpu_count() or 1))


# ---------------------------------------------------------------- one call


def analyze_one(
    path: Path,
    models: Models,
    config: Config,
    on_event: Callable[[Event], None] | None = None,
    name: str | None = None,
) -> CallResult:
    """Analyse one call; ``name`` (its id) replaces the file's stem in the summary."""
    result = CallResult(path)

    def keep(event: Event) -> None:
        if name is not None and isinstance(event, CallSummary):
            event = dataclasses.replace(event, call=name)
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


# ---------------------------------------------------------------- worker processes

_worker: dict[str, Any] = {}
"""Per-process state of a batch worker: its config and models, set once by the initializer."""


def _init_worker(config_data: dict[str, Any], threads: int, started: Any) -> None:
    config = with_values(Config.model_validate(config_data), {"asr.cpu_threads": threads})
    _worker["config"] = config
    _worker["started"] = started
    _worker["models"] = load_models(config)


def _analyze_in_worker(path: Path, name: str) -> tuple[list[dict[str, Any]], str | None]:
    _worker["started"].put(str(path))
    result = analyze_one(path, _worker["models"], _worker["config"], name=name)
    return [event.to_dict() for event in result.events], result.error


@dataclass
class _Broken:
    """A pool died: the calls it was running, and those it had not started."""

    running: list[Path]
    waiting: list[Path]


def _pool_results(
    files: list[Path], names: dict[Path, str], config: Config, workers: int
) -> Iterator[CallResult | _Broken]:
    threads = max(1, (os.cpu_count() or 1) // workers)
    started = multiprocessing.get_context().SimpleQueue()
    initargs = (config.model_dump(mode="json"), threads, started)
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=initargs) as pool:
        futures: dict[Future[Any], Path] = {
            pool.submit(_analyze_in_worker, path, names[path]): path for path in files
        }
        lost: set[Path] = set()
        for future in as_completed(futures):
            path = futures[future]
            try:
                events, error = future.result()
            except BrokenProcessPool:
                lost.add(path)
                continue
            yield CallResult(path, [event_from_dict(e) for e in events], error)
    if lost:
        begun: set[str] = set()
        while not started.empty():
            begun.add(started.get())
        running = [p for p in files if p in lost and str(p) in begun]
        yield _Broken(running, [p for p in files if p in lost and str(p) not in begun])


def run_parallel(
    files: list[Path], config: Config, workers: int, names: dict[Path, str] | None = None
) -> Iterator[CallResult]:
    """Analyse ``files`` on ``workers`` processes; yields results as calls finish."""
    names = names or {path: path.stem for path in files}
    tries: Counter[Path] = Counter()
    fresh, suspects = list(files), list[Path]()
    while fresh or suspects:
        retrying = not fresh
        batch, width = (suspects, 1) if retrying else (fresh, min(workers, len(fresh)))
        fresh, suspects = [], ([] if retrying else suspects)
        for item in _pool_results(batch, names, config, width):
            if isinstance(item, CallResult):
                yield item
                continue
            log.warning("a worker process died; %d call(s) to retry", len(item.running))
            if not item.running:
                for path in item.waiting:
                    yield CallResult(path, error=f"{path}: {WORKERS_FAILED}")
                continue
            for path in item.running:
                tries[path] += 1
                if tries[path] >= 2:
                    yield CallResult(path, error=f"{path}: {WORKER_DIED}")
                else:
                    suspects.append(path)
            (suspects if retrying else fresh).extend(item.waiting)
