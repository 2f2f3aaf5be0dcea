"""Throughput of ``analyze`` on local worker processes and on a Dask cluster, same archive.

    .venv/bin/python bench/cluster_throughput.py [--copies 2] [--repeat 1] [--keep DIR]

Builds an archive of real speech (``tests/cluster/archive.py``: 12 short calls, ``--copies``
times), then times, in ``--repeat`` rounds of one run each:

* ``analyze --workers 1`` and ``analyze --workers 2`` (local processes),
* ``analyze --cluster tcp://...`` on a running ``dask scheduler`` + 2 ``dask worker`` processes
  (1 thread each; started before the clock, as a site's cluster would be; it idles during the
  local runs),
* ``analyze --cluster local --workers 2`` (cluster start-up included).

Each prints, for the best of ``--repeat`` runs, audio hours per wall hour (model loading
included), the model loads, and the peak RSS of the largest process (local; GNU time) or of
each Dask worker (reported by the workers), and the CPU seconds used per audio hour (all the
run's processes: client, scheduler, workers), which other load on a shared machine disturbs
less than wall time. The Dask overhead compares the local and the Dask 2-worker runs. Everything
runs inside a loopback-only network namespace (it re-executes itself under ``unshare -n``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.cluster.archive import BAD, build_archive  # noqa: E402

BIN = Path(sys.executable).parent
PORT = 8786
QUIET = ["--no-dashboard", "--dashboard-address", "127.0.0.1:0"]
INSIDE = "AGENT_ASSIST_BENCH_NAMESPACE"
REPEAT = 1
WORKER_ENV = {"DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}
"""As docs/cluster.md tells IT: Dask's 10 ms stack sampler costs the calls about 30 %."""


def archive(folder: Path, copies: int) -> float:
    """Build the archive (bad files removed); its audio seconds."""
    seconds = 0.0
    for copy in range(copies):
        for path in build_archive(folder / f"copy{copy}"):
            seconds += sf.info(path).duration
        for name in BAD:
            (folder / f"copy{copy}" / name).unlink()
    return seconds


def timed(
    label: str, argv: list[str], audio_s: float, others: tuple[int, ...] = ()
) -> dict[str, object]:
    """One run, into a fresh output folder (a cluster run would skip the calls already done).

    CPU: the command's and its children's (GNU time), plus what the ``others`` processes (a
    running cluster's scheduler and workers) used meanwhile."""
    shutil.rmtree(argv[argv.index("--out") + 1], ignore_errors=True)
    command = ["/usr/bin/time", "-f", "MAXRSS_KB %M CPU_S %U %S", *argv]
    before = sum(cpu_seconds(pid) for pid in others)
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"{label} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    used = re.search(r"MAXRSS_KB (\d+) CPU_S ([\d.]+) ([\d.]+)", done.stderr)
    assert used is not None, done.stderr[-2000:]
    cpu = float(used[2]) + float(used[3]) + sum(cpu_seconds(pid) for pid in others) - before
    loads = re.search(r"models loaded (\d+) time\(s\) in (\d+) worker", done.stderr)
    peaks = re.search(r"peak RSS per worker process \(MB\): (.*)", done.stderr)
    return {
        "label": label,
        "wall_s": wall,
        "rate": audio_s / wall,
        "cpu_per_audio_h": cpu / (audio_s / 3600),
        "loads": f"{loads[1]} in {loads[2]} processes" if loads else "",
        "rss": peaks[1] if peaks else f"{int(used[1]) / 1024:.0f} (largest process)",
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a running process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def analyze(inputs: Path, out: Path, *extra: str) -> list[str]:
    return [str(BIN / "agent-assist"), "analyze", str(inputs), "--out", str(out), *extra]


def dask_cluster(work: Path) -> list[subprocess.Popen[bytes]]:
    log = (work / "cluster.log").open("wb")
    dask = str(BIN / "dask")
    processes = [
        subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", str(PORT), *QUIET],
            stdout=log,
            stderr=log,
            env={**os.environ, **WORKER_ENV},
        )
    ]
    worker = [dask, "worker", f"tcp://127.0.0.1:{PORT}", "--host", "127.0.0.1"]
    worker += ["--nthreads", "1", "--no-nanny", *QUIET, "--local-directory", str(work / "dask")]
    env = {**os.environ, **WORKER_ENV}
    processes += [subprocess.Popen(worker, stdout=log, stderr=log, env=env) for _ in range(2)]
    from distributed import Client

    with Client(f"tcp://127.0.0.1:{PORT}", timeout="120s") as client:
        client.wait_for_workers(2, timeout=300)
    return processes


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def bench(work: Path, copies: int) -> None:
    audio_s = archive(work / "archive", copies)
    calls = 12 * copies
    print(f"archive: {calls} calls, {audio_s / 60:.1f} audio minutes; {os.cpu_count()} CPUs")
    inputs, address = work / "archive", f"tcp://127.0.0.1:{PORT}"
    runs = {
        "local, 1 worker": analyze(inputs, work / "l1", "--workers", "1"),
        "local, 2 workers": analyze(inputs, work / "l2", "--workers", "2"),
        "Dask, 2 workers (running cluster)": analyze(inputs, work / "d2", "--cluster", address),
        "Dask, --cluster local, 2 workers": analyze(
            inputs, work / "dl", "--cluster", "local", "--workers", "2"
        ),
    }
    cluster = dask_cluster(work)
    tries: dict[str, list[dict[str, object]]] = {label: [] for label in runs}
    try:
        for _ in range(REPEAT):  # rounds, so that other load on the machine hits every run
            for label, argv in runs.items():
                pids = tuple(p.pid for p in cluster) if "running" in label else ()
                tries[label].append(timed(label, argv, audio_s, pids))
    finally:
        stop(cluster[::-1])  # workers first: a worker whose scheduler went first keeps retrying
    rows = [min(found, key=lambda run: float(run["wall_s"])) for found in tries.values()]  # type: ignore[arg-type]
    rows[0]["loads"] = rows[0]["loads"] or "1 (one process)"
    rows[1]["loads"] = rows[1]["loads"] or "2 (pool initializer)"
    print(f"best of {REPEAT}; the Dask cluster idles during the local runs")
    print(
        f"{'run':34} {'wall s':>6} {'audio h/wall h':>14} {'CPU s/audio h':>13}  "
        f"{'model loads':20} peak RSS MB"
    )
    for row in rows:
        print(
            f"{row['label']:34} {row['wall_s']:6.1f} {row['rate']:14.1f} "
            f"{row['cpu_per_audio_h']:13.0f}  {row['loads']:20} {row['rss']}"
        )
    local, dask = rows[1], rows[2]
    by_wall = float(local["rate"]) / float(dask["rate"]) - 1  # type: ignore[arg-type]
    by_cpu = float(dask["cpu_per_audio_h"]) / float(local["cpu_per_audio_h"]) - 1  # type: ignore[arg-type]
    print(
        f"Dask overhead vs local processes at 2 workers: {by_wall * 100:+.1f} % wall time, "
        f"{by_cpu * 100:+.1f} % CPU time (scheduler and client included)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2, help="archive copies (12 calls each)")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the best counts")
    args = parser.parse_args()
    global REPEAT
    REPEAT = args.repeat
    if os.environ.get(INSIDE) != "1":
        script = 'ip link set lo up && exec "$@"'
        unshare = [shutil.which("unshare") or "unshare", "-n" if os.geteuid() == 0 else "-rn"]
        env = {**os.environ, INSIDE: "1"}
        argv = [sys.executable, __file__, *sys.argv[1:]]
        sys.exit(subprocess.run([*unshare, "sh", "-c", script, "sh", *argv], env=env).returncode)
    if args.keep:
        work = Path(args.keep)
        work.mkdir(parents=True, exist_ok=True)
        bench(work, args.copies)
        return
    with tempfile.TemporaryDirectory(prefix="cluster-bench-") as folder:
        bench(Path(folder), args.copies)


if __name__ == "__main__":
    main()
