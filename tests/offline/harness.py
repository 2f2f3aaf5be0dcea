"""Run a program traced at the system-call level in a loopback-only network namespace.

``start`` launches ``unshare -n`` (or ``unshare -rn`` without root), brings ``lo`` up, and runs
the program under ``strace -f`` (children and threads included: onnxruntime's telemetry runs on
native threads that a Python audit hook never sees). Each run gets its own empty HOME and XDG
folders, so files a library drops there (onnxruntime's ``~/.cache/Microsoft``) are found, and an
environment that asks for telemetry (``ORT_DISABLE_TELEMETRY=0``), which our code must override.
Runs are ``Popen``-based so several can run at once; ``finish`` waits and reads the verdict.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from tests.offline.egress import TRACED_CALLS, Attempt, parse_trace, violations

ROOT = Path(__file__).resolve().parents[2]
TELEMETRY_TRACES = ("Microsoft", ".onnxruntime")
# What a user (or a CI image) might have set to turn telemetry on; our code must win.
TELEMETRY_ON = {
    "ORT_DISABLE_TELEMETRY": "0",
    "HF_HUB_DISABLE_TELEMETRY": "0",
    "HF_HUB_OFFLINE": "0",
}


@cache
def namespace_prefix() -> tuple[str, ...]:
    """``unshare -n`` (root) or ``unshare -rn`` (user namespaces); fails when neither works."""
    unshare = shutil.which("unshare")
    if unshare is not None:
        for prefix in ((unshare, "-n"), (unshare, "-rn")):
            if subprocess.run([*prefix, "true"], capture_output=True, timeout=30).returncode == 0:
                return prefix
    pytest.fail("cannot cut the network: neither 'unshare -n' nor 'unshare -rn' works here")


@cache
def strace_path() -> str:
    found = shutil.which("strace")
    if found is None:
        pytest.fail("strace is not installed (scripts/setup.sh installs it): no native trace")
    return found


def private_env(root: Path, *, frozen: bool = False) -> dict[str, str]:
    """The caller's PATH etc., but HOME/XDG under ``root``, no user or site config, telemetry on.

    ``frozen``: for the PyInstaller app, which gets no PYTHONPATH.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HF_", "AGENT_ASSIST_", "XDG_", "ORT_", "PYTHON", "DASK_"))
    }
    home = root / "home"
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "AGENT_ASSIST_SYSTEM_CONFIG": str(root / "no-system-config.toml"),
            "QT_QPA_PLATFORM": "offscreen",
            **TELEMETRY_ON,
        }
    )
    if not frozen:
        env["PYTHONPATH"] = str(ROOT)
    home.mkdir(parents=True, exist_ok=True)
    return env


@dataclass
class Finished:
    name: str
    root: Path
    returncode: int
    stdout: str
    stderr: str
    attempts: list[Attempt]
    forbidden: list[str]
    telemetry_files: list[str]
    seconds: float

    def log(self) -> str:
        """agent-assist's own log file of this run ("" when it wrote none)."""
        log = self.root / "home" / ".local" / "state" / "agent-assist" / "log" / "agent-assist.log"
        return log.read_text(errors="replace") if log.exists() else ""

    def explain(self) -> str:
        return (
            f"{self.name}: exit {self.returncode}; {len(self.attempts)} socket calls traced; "
            f"forbidden: {self.forbidden[:20]}; telemetry files: {self.telemetry_files}\n"
            f"stderr tail:\n{self.stderr[-2000:]}"
        )


@dataclass
class TracedRun:
    name: str
    root: Path
    process: subprocess.Popen[str]
    started: float = field(default_factory=time.monotonic)
    feeder: threading.Thread | None = None

    @property
    def trace(self) -> Path:
        return self.root / "trace.txt"

    def finish(self, timeout: float = 600) -> Finished:
        note = ""
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            note = f"\n[harness] killed after {timeout} s"
        if self.feeder is not None:
            self.feeder.join(timeout=60)
        stdout = (self.root / "stdout.txt").read_text(errors="replace")
        stderr = (self.root / "stderr.txt").read_text(errors="replace") + note
        attempts = []
        if self.trace.exists():
            attempts = parse_trace(self.trace.read_text(errors="replace"))
        else:
            stderr += "\n[harness] strace wrote no trace"
        return Finished(
            self.name,
            self.root,
            self.process.returncode,
            stdout,
            stderr,
            attempts,
            violations(attempts),
            telemetry_files(self.root),
            time.monotonic() - self.started,
        )


def telemetry_files(root: Path) -> list[str]:
    """Files under ``root`` inside a folder named like onnxruntime's telemetry store."""
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and any(part in TELEMETRY_TRACES for part in p.relative_to(root).parts)
    )


def start(
    name: str,
    argv: Sequence[str],
    root: Path,
    *,
    stdin_lines: Sequence[str] | None = None,
    line_interval_s: float = 0.0,
    env: dict[str, str] | None = None,
) -> TracedRun:
    """Start ``argv`` traced in a fresh loopback-only namespace with a private HOME in ``root``.

    With ``stdin_lines``, a thread writes them to the program's stdin one every
    ``line_interval_s`` seconds, then closes it.
    """
    root.mkdir(parents=True, exist_ok=True)
    trace = root / "trace.txt"
    inner = [strace_path(), "-f", "-qq", "-e", f"trace={TRACED_CALLS}", "-o", str(trace), *argv]
    script = 'ip link set lo up && exec "$@"'
    command = [*namespace_prefix(), "sh", "-c", script, "sh", *inner]
    with (root / "stdout.txt").open("w") as out, (root / "stderr.txt").open("w") as err:
        process = subprocess.Popen(
            command,
            cwd=root,
            env=env if env is not None else private_env(root),
            stdin=subprocess.PIPE if stdin_lines is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            text=True,
        )
    run = TracedRun(name, root, process)
    if stdin_lines is not None:
        run.feeder = threading.Thread(
            target=_feed, args=(process, list(stdin_lines), line_interval_s), daemon=True
        )
        run.feeder.start()
    return run


def _feed(process: subprocess.Popen[str], lines: list[str], interval_s: float) -> None:
    assert process.stdin is not None
    try:
        for line in lines:
            process.stdin.write(line + "\n")
            process.stdin.flush()
            time.sleep(interval_s)
        process.stdin.close()
    except (BrokenPipeError, ValueError):
        return  # the program ended early; its exit status tells the test why


def python_argv(*args: str) -> list[str]:
    """This interpreter, unbuffered."""
    return [sys.executable, "-u", *args]
