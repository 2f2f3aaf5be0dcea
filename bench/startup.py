"""Start-up of the frozen app: time to a ready pipeline and to the overlay on screen, RSS, size.

Runs ``agent-assist --demo`` on a private Xvfb display (real X11 windows, no compositor) with
empty user dirs, and for each run records, from the moment the process is spawned:

* overlay shown  - the first moment an ``agent-assist`` window is mapped (polled with xwininfo)
* pipeline ready - the log file's "loaded playbook" line, the last step of ``load_models``
* RSS            - the process's peak resident memory (VmHWM) once both happened, + 2 s

The first run is reported as cold (files not yet in the page cache, unless an earlier
command read them); the median of the others as warm. It also times ``--version`` and prints
the build's size. It prints figures and never asserts.

    .venv/bin/python bench/startup.py [--app dist/agent-assist/agent-assist] [--runs 5]
    .venv/bin/python bench/startup.py --app ".venv/bin/python -m agent_assist"   # from source
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_APP = ROOT / "dist" / "agent-assist" / "agent-assist"
READY_LINE = "loaded playbook"
LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ")


@dataclass
class Run:
    overlay_s: float | None
    ready_s: float | None
    peak_rss_mb: float | None


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    for number in range(91, 120):
        if Path(f"/tmp/.X11-unix/X{number}").exists():
            continue
        display = f":{number}"
        server = subprocess.Popen(
            ["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-noreset"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                return server, display
            time.sleep(0.05)
        server.kill()
    raise SystemExit("cannot start Xvfb")


def overlay_mapped(display: str) -> bool:
    env = {**os.environ, "DISPLAY": display}
    tree = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True, env=env)
    ids = re.findall(r"^\s+(0x[0-9a-f]+) \"agent-assist\"", tree.stdout, re.M)
    for window in ids:
        info = subprocess.run(["xwininfo", "-id", window], capture_output=True, text=True, env=env)
        if "Map State: IsViewable" in info.stdout:
            return True
    return False


def peak_rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found.group(1)) / 1024 if found else None


def ready_time(log: Path) -> datetime.datetime | None:
    if not log.is_file():
        return None
    for line in log.read_text(errors="replace").splitlines():
        if READY_LINE in line and (stamp := LOG_TIME.match(line)):
            return datetime.datetime.strptime(stamp.group(1), "%Y-%m-%d %H:%M:%S,%f")
    return None


def one_run(command: list[str], display: str, timeout: float) -> Run:
    with tempfile.TemporaryDirectory(prefix="aa-startup-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "QT_QPA"))}
        for folder in ("CONFIG", "DATA", "STATE", "CACHE"):
            env[f"XDG_{folder}_HOME"] = f"{home}/{folder.lower()}"
        env.update({"DISPLAY": display, "AGENT_ASSIST_SYSTEM_CONFIG": f"{home}/none.toml"})
        log = Path(home) / "state" / "agent-assist" / "log" / "agent-assist.log"
        started_wall = datetime.datetime.now()
        started = time.perf_counter()
        process = subprocess.Popen(
            [*command, "--demo", "--log-level", "INFO"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        overlay = ready = None
        try:
            while time.perf_counter() - started < timeout and process.poll() is None:
                if overlay is None and overlay_mapped(display):
                    overlay = time.perf_counter() - started
                if ready is None and (stamp := ready_time(log)) is not None:
                    ready = (stamp - started_wall).total_seconds()
                if overlay is not None and ready is not None:
                    break
                time.sleep(0.02)
            time.sleep(2.0)
            rss = peak_rss_mb(process.pid)
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return Run(overlay, ready, rss)


def time_version(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([*command, "--version"], capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return times


def build_size(app: Path) -> str:
    folder = app.parent
    if not (folder / "_internal").is_dir():
        return "n/a (not a PyInstaller build)"
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    model_files = (folder / "_internal" / "models").rglob("*")
    models = sum(p.stat().st_size for p in model_files if p.is_file())
    return f"{total / 1e6:.0f} MB ({total / 2**20:.0f} MiB), of which models {models / 1e6:.0f} MB"


def fmt(values: list[float | None], unit: str) -> str:
    found = [v for v in values if v is not None]
    if not found:
        return "not seen"
    missing = f", {len(values) - len(found)} not seen" if len(found) < len(values) else ""
    return f"{statistics.median(found):.2f} {unit} (median of {len(found)}{missing})"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--app", default=str(DEFAULT_APP), help="executable, or a quoted command")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    command = shlex.split(args.app)
    if not shutil.which(command[0]) and not Path(command[0]).is_file():
        print(f"no such app: {command[0]} (build it: packaging/build.sh)", file=sys.stderr)
        return 1
    for tool in ("Xvfb", "xwininfo"):
        if not shutil.which(tool):
            print(f"{tool} is needed (apt-get install xvfb x11-utils)", file=sys.stderr)
            return 1
    server, display = start_xvfb()
    try:
        runs = [one_run(command, display, args.timeout) for _ in range(args.runs)]
    finally:
        server.terminate()
        server.wait()
    versions = time_version(command, args.runs)
    cold, warm = runs[0], runs[1:] or runs
    print(f"app: {args.app}")
    print(f"build size: {build_size(Path(command[0]))}")
    print(f"--version: {fmt(list(versions), 's')}")
    nan = float("nan")
    print(
        f"cold run: overlay shown {cold.overlay_s or nan:.2f} s, pipeline ready "
        f"{cold.ready_s or nan:.2f} s, peak RSS {cold.peak_rss_mb or nan:.0f} MB"
    )
    print(f"warm overlay shown:  {fmt([r.overlay_s for r in warm], 's')}")
    print(f"warm pipeline ready: {fmt([r.ready_s for r in warm], 's')}")
    print(f"warm peak RSS:       {fmt([r.peak_rss_mb for r in warm], 'MB')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
