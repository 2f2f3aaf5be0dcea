"""The cluster scenario the integration tests check, run as one program inside a loopback-only
network namespace (under strace, by ``tests.offline.harness``).

    python tests/cluster/scenario.py WORKDIR

WORKDIR holds ``archive/`` (12 calls + 2 bad files) and ``manifest.csv``. In order:

1. ``analyze archive --workers 1 --format jsonl --out ref``: the local reference.
2. ``dask scheduler`` and two ``dask worker`` processes (no nanny: the PID is the worker) on
   127.0.0.1; then ``analyze archive --cluster tcp://...  --out out``, the client SIGKILLed once
   three calls are written (an interrupted run).
3. The same command again (resumed); once two more calls are written, one worker is SIGKILLed.
4. ``analyze manifest.csv --cluster local --workers 2 --ship-audio --out manifest-out``.

What happened goes to ``WORKDIR/scenario.json``; each command's stderr to ``WORKDIR/<step>.err``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PORT = 8786
ADDRESS = f"tcp://127.0.0.1:{PORT}"
DASK = str(Path(sys.executable).parent / "dask")
WAIT_S = 600
QUIET = ["--no-dashboard", "--dashboard-address", "127.0.0.1:0"]
"""No dashboard, and the health/metrics HTTP server on loopback (by default 0.0.0.0)."""


def analyze(work: Path, step: str, *args: str) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "agent_assist", "analyze", *args]
    err = (work / f"{step}.err").open("wb")
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err)


def results(folder: Path) -> int:
    return len(list(folder.glob("*.jsonl"))) if folder.is_dir() else 0


def wait_for(count: int, folder: Path, process: subprocess.Popen[bytes]) -> bool:
    """Wait until ``folder`` holds ``count`` results; False if ``process`` ended first."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if results(folder) >= count:
            return process.poll() is None
        if process.poll() is not None:
            return False
        time.sleep(0.05)
    return False


def listening() -> list[str]:
    """Local addresses of every listening TCP socket in this namespace."""
    lines = subprocess.run(["ss", "-Hltn"], capture_output=True, text=True, check=True).stdout
    return [line.split()[3] for line in lines.splitlines() if line.strip()]


def start_cluster(work: Path) -> tuple[subprocess.Popen[bytes], list[subprocess.Popen[bytes]]]:
    log = (work / "cluster.err").open("wb")
    scheduler = subprocess.Popen(
        [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(PORT), *QUIET],
        stdout=log,
        stderr=log,
    )
    worker = [DASK, "worker", ADDRESS, "--host", "127.0.0.1", "--nthreads", "1"]
    worker += [*QUIET, "--no-nanny", "--local-directory", str(work / "dask")]
    workers = [subprocess.Popen(worker, stdout=log, stderr=log) for _ in range(2)]
    from distributed import Client

    with Client(ADDRESS, timeout="120s") as client:
        client.wait_for_workers(2, timeout=300)
    return scheduler, workers


def main(work: Path) -> int:
    report: dict[str, Any] = {}
    archive, out = work / "archive", work / "out"
    ref_args = ["--out", str(work / "ref"), "--workers", "1", "--format", "jsonl"]
    report["ref_rc"] = analyze(work, "ref", str(archive), *ref_args).wait(timeout=WAIT_S)
    scheduler, workers = start_cluster(work)
    report["worker_pids"] = [w.pid for w in workers]
    report["listening"] = listening()
    try:
        cluster_args = [str(archive), "--out", str(out), "--cluster", ADDRESS]
        first = analyze(work, "interrupted", *cluster_args)
        report["interrupted_while_running"] = wait_for(3, out, first)
        first.send_signal(signal.SIGKILL)
        report["interrupted_rc"] = first.wait()
        # a call is done once its .done mark follows its .jsonl: the kill can fall in between
        report["done_before_resume"] = len(list((out / ".done").glob("*.json")))
        second = analyze(work, "resumed", *cluster_args)
        target = report["done_before_resume"] + 2
        report["worker_killed_while_running"] = wait_for(target, out, second)
        os.kill(workers[0].pid, signal.SIGKILL)
        report["resumed_rc"] = second.wait(timeout=WAIT_S)
        third = analyze(
            work, "manifest", str(work / "manifest.csv"), "--out", str(work / "manifest-out"),
            "--cluster", "local", "--workers", "2", "--ship-audio",
        )  # fmt: skip
        wait_for(1, work / "manifest-out", third)
        report["listening_local"] = listening()
        report["manifest_rc"] = third.wait(timeout=WAIT_S)
    finally:
        for process in [*workers, scheduler]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*workers, scheduler]:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        (work / "scenario.json").write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
