"""The Dask side of a cluster run: start or join a cluster, feed it calls, collect results.

``--cluster local`` starts a ``LocalCluster`` of worker processes bound to 127.0.0.1 (one Dask
thread each, the cores shared out as ASR/sentiment threads); ``--cluster tcp://HOST:PORT`` joins
a running scheduler. At most a few calls per worker are in flight at a time, so the client's
memory stays bounded however large the archive (and however large the shipped audio). Dask
re-runs a task whose worker died; the client writes each call's result once, when its future
finishes, so a re-run task never writes a call twice or half.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import dask
from distributed import Client, Future, LocalCluster, as_completed
from distributed.client import FutureCancelledError
from distributed.scheduler import KilledWorker

from agent_assist.callnames import CallName, NameScrubber
from agent_assist.cluster.calls import ClusterCall
from agent_assist.cluster.outputs import RunFolder
from agent_assist.cluster.task import CallTask, TaskResult, score_call
from agent_assist.config import Config
from agent_assist.errors import AgentAssistError
from agent_assist.events import CallSummary, event_from_dict

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = "30s"
IN_FLIGHT_PER_WORKER = 3
DASHBOARD = "127.0.0.1:8787"
NO_DASHBOARD = "127.0.0.1:0"
LOCAL_CONFIG = {"distributed.worker.profile.enabled": False}
"""Dask's statistical profiler samples every thread every 10 ms: measured 30 % slower calls."""


class ClusterError(AgentAssistError):
    """The cluster cannot be started or reached."""


@dataclass
class RunStats:
    """What a run did, for its last lines and the benchmark."""

    done: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    audio_s: float = 0.0
    wall_s: float = 0.0
    loads: dict[str, int] = field(default_factory=dict)
    """Model loads per worker process (``host:pid``)."""
    peak_rss_mb: dict[str, float] = field(default_factory=dict)
    workers: int = 0

    def note(self, result: TaskResult) -> None:
        self.loads[result.worker] = max(self.loads.get(result.worker, 0), result.loads)
        rss = max(self.peak_rss_mb.get(result.worker, 0.0), result.peak_rss_mb)
        self.peak_rss_mb[result.worker] = rss


@contextmanager
def connect(address: str, workers: int, dashboard: bool) -> Iterator[Client]:
    """A client of a new local cluster (``address`` "local") or of the scheduler at ``address``."""
    cluster: LocalCluster | None = None
    try:
        if address == "local":
            with dask.config.set(LOCAL_CONFIG):
                cluster = _local_cluster(workers, dashboard)
            client = Client(cluster, timeout=CONNECT_TIMEOUT)
        else:
            client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as error:
        if cluster is not None:
            cluster.close()
        raise ClusterError(f"cluster {address}: cannot start or reach it ({error})") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _local_cluster(workers: int, dashboard: bool) -> LocalCluster:
    return LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        scheduler_port=0,
        dashboard_address=DASHBOARD if dashboard else None,
        worker_dashboard_address=None,
        # the scheduler's health/metrics server: loopback, any free port
        scheduler_kwargs=None if dashboard else {"dashboard_address": NO_DASHBOARD},
    )


def worker_count(client: Client) -> int:
    return max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))


def run_calls(
    client: Client,
    todo: list[tuple[ClusterCall, str]],
    folder: RunFolder,
    make_task: Callable[[ClusterCall], CallTask],
    on_done: Callable[[RunStats], None],
) -> RunStats:
    """Analyse ``todo`` (calls with their input checksums); write each result as it comes."""
    stats = RunStats(workers=worker_count(client))
    started = time.monotonic()
    waiting = iter(todo)
    running: dict[Future, tuple[ClusterCall, str]] = {}
    finished = as_completed()

    def submit_next() -> None:
        item = next(waiting, None)
        if item is None:
            return
        call, digest = item
        key = f"agent-assist-call-{call.id}-{digest[:12]}-{folder.fingerprint}"
        future = client.submit(score_call, make_task(call), key=key, pure=False)
        running[future] = item
        finished.add(future)

    for _ in range(stats.workers * IN_FLIGHT_PER_WORKER):
        submit_next()
    for future in finished:
        call, digest = running.pop(future)
        _collect(future, call, digest, folder, stats)
        future.release()
        stats.wall_s = time.monotonic() - started
        on_done(stats)
        submit_next()
    return stats


def _collect(
    future: Future, call: ClusterCall, digest: str, folder: RunFolder, stats: RunStats
) -> None:
    try:
        result: TaskResult = future.result()
    except KilledWorker:
        stats.failed[call.id] = f"{call.id}: the worker processes analysing it kept dying"
    except FutureCancelledError:
        stats.failed[call.id] = f"{call.id}: cancelled (the scheduler was lost?)"
    except Exception as error:  # noqa: BLE001 - a task's own exception: one line, run carries on
        message = NameScrubber([CallName(call.path, call.id)]).scrub(str(error))
        stats.failed[call.id] = f"{call.id}: {type(error).__name__}: {message}"
    else:
        stats.note(result)
        if result.error is not None:
            stats.failed[call.id] = result.error
        else:
            folder.write_result(call, digest, result.events)
            stats.done += 1
            stats.audio_s += _duration(result)
            return
    folder.forget(call)
    log.debug("%s", stats.failed[call.id])


def _duration(result: TaskResult) -> float:
    for data in result.events:
        if data.get("type") == CallSummary.type:
            event = event_from_dict(data)
            assert isinstance(event, CallSummary)
            return event.duration
    return 0.0


def threads_per_worker(workers: int) -> int:
    """ASR/sentiment threads for each of ``workers`` local worker processes."""
    return max(1, (os.cpu_count() or 1) // workers)


def read_audio(call: ClusterCall) -> bytes:
    return Path(call.path).read_bytes()


def config_data(config: Config) -> dict[str, object]:
    return config.model_dump(mode="json")
