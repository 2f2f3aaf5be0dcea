"""``analyze --cluster`` at the command line: Dask only when asked, clear refusals, lost workers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from distributed.scheduler import KilledWorker

from agent_assist.cluster.calls import ClusterCall
from agent_assist.cluster.client import RunStats, _collect
from agent_assist.cluster.outputs import RunFolder
from tests.offline import harness

ROOT = Path(__file__).resolve().parents[2]
OPTIONAL = ("dask", "distributed", "pyarrow")
RUN_CLI = """
import sys
{before}
from agent_assist.cli import main
code = main(sys.argv[1:])
print("IMPORTED", sorted(m for m in sys.modules if m.split(".")[0] in {optional}))
sys.exit(code)
"""


def _cli(*args: str, before: str = "") -> subprocess.CompletedProcess[str]:
    script = RUN_CLI.format(before=before, optional=OPTIONAL)
    return subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


@pytest.mark.slow
def test_local_analyze_imports_no_dask_nor_pyarrow(tmp_path):
    done = _cli(
        "analyze", str(ROOT / "tests/data/librivox_ill_disposed.flac"), "--out", str(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "librivox_ill_disposed.txt").exists()
    assert "IMPORTED []" in done.stdout


def test_cluster_needs_an_output_folder_and_writes_jsonl(tmp_path):
    audio = str(ROOT / "tests/data/jfk.flac")
    done = _cli("analyze", audio, "--cluster", "local")
    assert done.returncode == 2
    assert "--cluster needs --out DIR" in done.stderr
    done = _cli("analyze", audio, "--cluster", "local", "--out", str(tmp_path), "--format", "csv")
    assert done.returncode == 2 and "--cluster writes jsonl" in done.stderr
    assert "IMPORTED []" in done.stdout  # the flags are refused before Dask is imported


def test_without_the_cluster_extra_the_command_says_how_to_get_it(tmp_path):
    done = _cli(
        "analyze", str(ROOT / "tests/data/jfk.flac"), "--cluster", "local", "--out", str(tmp_path),
        before="sys.modules['distributed'] = None",
    )  # fmt: skip
    assert done.returncode == 2
    assert "--cluster needs Dask and pyarrow (distributed is missing)" in done.stderr
    assert "pip install 'agent-assist[cluster]'" in done.stderr


@pytest.mark.slow
def test_an_unreachable_scheduler_is_one_clear_line(tmp_path):
    done = _cli(
        "analyze", str(ROOT / "tests/data/jfk.flac"), "--out", str(tmp_path),
        "--cluster", "tcp://127.0.0.1:9",
    )  # fmt: skip
    assert done.returncode == 1
    assert "agent-assist: error: cluster tcp://127.0.0.1:9: cannot start or reach it" in done.stderr


class _Future:
    def __init__(self, error: BaseException) -> None:
        self.error = error

    def result(self) -> object:
        raise self.error


def test_a_call_whose_workers_keep_dying_fails_alone_named_by_id(tmp_path):
    folder = RunFolder(tmp_path / "out", "cfg")
    lost = ClusterCall(tmp_path / "a.wav", "A")
    odd = ClusterCall(tmp_path / "5551234567.wav", "[PHONE]")
    stats = RunStats()
    _collect(_Future(KilledWorker("k", "w", 3)), lost, "a" * 64, folder, stats)  # type: ignore[arg-type]
    _collect(_Future(ValueError(f"{odd.path}: bad")), odd, "a" * 64, folder, stats)  # type: ignore[arg-type]
    assert stats.failed == {
        "A": "A: the worker processes analysing it kept dying",
        "[PHONE]": "[PHONE]: ValueError: [PHONE]: bad",
    }
    assert stats.done == 0 and not list(folder.out_dir.glob("*.jsonl"))


LOCAL_WORKER = """
import dask
from agent_assist.cluster.client import connect
with connect("local", 1, False) as client:
    seen = client.run(lambda: dask.config.get("distributed.worker.profile.enabled"))
    print("PROFILING", sorted(seen.values()))
"""


@pytest.mark.slow
def test_local_cluster_workers_do_not_run_the_profiler():
    """Dask's 10 ms stack sampler made calls about 30 % slower (bench/cluster_throughput.py)."""
    script = 'ip link set lo up && exec "$@"'
    argv = [*harness.namespace_prefix(), "sh", "-c", script, "sh", sys.executable, "-c"]
    done = subprocess.run(
        [*argv, LOCAL_WORKER], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert "PROFILING [False]" in done.stdout, done.stderr[-2000:]


def test_the_desktop_build_leaves_the_cluster_extra_out():
    """``analyze`` imports ``agent_assist.cluster`` inside a function: PyInstaller would still
    follow it (and bundle Dask and pyarrow) unless the build excludes them."""
    from tests.packaging.test_build_tools import trim

    for name in ("agent_assist.cluster", "dask", "distributed", "pyarrow"):
        assert name in trim.EXCLUDES
