"""``import agent_assist`` turns library telemetry off for the process and its children."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.offline.harness import ROOT, TELEMETRY_ON

SHOW = (
    "import os, agent_assist\n"
    "print(os.environ['ORT_DISABLE_TELEMETRY'], os.environ['HF_HUB_DISABLE_TELEMETRY'],"
    " os.environ['HF_HUB_OFFLINE'])\n"
)


def run_python(code: str, script: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter (as a file when ``script`` is given) asking for telemetry."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **TELEMETRY_ON}
    argv = ["-c", code]
    if script is not None:
        script.write_text(code, encoding="utf-8")
        argv = [str(script)]
    return subprocess.run(
        [sys.executable, *argv], env=env, capture_output=True, text=True, timeout=120
    )


def test_import_forces_telemetry_off_over_the_users_environment() -> None:
    done = run_python(SHOW)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "1", "1"]


def test_worker_processes_inherit_it_whatever_the_start_method(tmp_path: Path) -> None:
    code = (
        "import multiprocessing as mp, os\n"
        "import agent_assist\n"
        "def get(_):\n"
        "    return os.environ['ORT_DISABLE_TELEMETRY']\n"
        "if __name__ == '__main__':\n"
        "    for method in ('fork', 'spawn', 'forkserver'):\n"
        "        with mp.get_context(method).Pool(1) as pool:\n"
        "            print(method, pool.map(get, [0])[0])\n"
    )
    done = run_python(code, tmp_path / "pool.py")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["fork", "1", "spawn", "1", "forkserver", "1"]


def test_onnxruntime_imported_first_is_reported() -> None:
    done = run_python("import onnxruntime\nimport agent_assist\n")
    assert done.returncode == 0, done.stderr
    assert "onnxruntime was imported before agent_assist" in done.stderr


def test_no_warning_in_the_usual_order() -> None:
    done = run_python("import agent_assist\nimport onnxruntime\n")
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_training_scripts_turn_it_off_before_they_import_onnxruntime() -> None:
    done = run_python("import os, training\nprint(os.environ['ORT_DISABLE_TELEMETRY'])\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1"]
