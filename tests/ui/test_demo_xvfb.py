"""The real ``agent-assist --demo`` on a real X server (Xvfb + openbox + picom), at the smallest
supported screen and 150 %: screenshots along the call go to ``build/demo-shots/`` (not
committed; ``AGENT_ASSIST_SHOTS`` chooses another folder), and the overlay must stay fully on
the screen in every one of them."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import user_environment
from tests.ui.xvfb import shoot, windows, xvfb

ROOT = Path(__file__).resolve().parents[2]
OVERLAY = "agent-assist"


@dataclass
class DemoRun:
    shots: list[Path] = field(default_factory=list)
    overlay: list[tuple[int, int, int, int] | None] = field(default_factory=list)
    exit_code: int | None = None
    log: str = ""
    stderr: str = ""


def run_demo(
    env: dict[str, str],
    home: Path,
    out: Path,
    *,
    seconds: float = 95.0,
    every: float = 5.0,
    user_config: str = "",
    system_config: str = "",
    args: tuple[str, ...] = ("--demo",),
) -> DemoRun:
    """Run the app as the agent would, shooting the screen every ``every`` seconds."""
    env = {**env, **user_environment(home)}
    Path(env["AGENT_ASSIST_SYSTEM_CONFIG"]).write_text(system_config)
    user = home / "xdg_config_home" / "agent-assist" / "config.toml"
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text(user_config)
    err = home / "stderr.txt"
    run = DemoRun()
    with err.open("w") as stderr:
        app = subprocess.Popen(
            ["nice", "-n", "10", sys.executable, "-m", "agent_assist", *args],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            start = time.monotonic()
            while time.monotonic() - start < seconds and app.poll() is None:
                time.sleep(every)
                shot = out / f"t{round(time.monotonic() - start):03d}.png"
                shoot(env, shot)
                run.shots.append(shot)
                run.overlay.append(windows(env).get(OVERLAY))
            run.exit_code = app.poll()
        finally:
            if app.poll() is None:
                app.send_signal(signal.SIGTERM)
                try:
                    app.wait(15)
                except subprocess.TimeoutExpired:
                    app.kill()
    run.stderr = err.read_text()
    logs = list((home / "xdg_state_home").rglob("*.log"))
    run.log = "\n".join(p.read_text(errors="replace") for p in logs)
    return run


def shots_dir(name: str) -> Path:
    base = Path(os.environ.get("AGENT_ASSIST_SHOTS", ROOT / "build" / "demo-shots"))
    out = base / name
    shutil.rmtree(out, ignore_errors=True)
    return out


@pytest.mark.slow
def test_real_demo_at_1280x720_and_150_percent_stays_on_screen(tmp_path: Path) -> None:
    for tool in ("Xvfb", "openbox", "import", "xwininfo"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed")
    out = shots_dir("1280x720-150")
    with xvfb("1280x720", window_manager=True, compositor=True) as env:
        run = run_demo(env, tmp_path, out, user_config="[ui]\nscale = 1.5\n")
    assert run.exit_code is None, f"the app exited early: {run.stderr[-2000:]}"
    assert len(run.shots) >= 15 and all(p.stat().st_size > 10_000 for p in run.shots)
    seen = [g for g in run.overlay if g is not None]
    assert len(seen) == len(run.overlay), "the overlay is mapped throughout the call"
    for x, y, w, h in seen:
        assert x >= 0 and y >= 0 and x + w <= 1280 and y + h <= 720, (x, y, w, h)
    assert max(h for _, _, _, h in seen) > 400, "cards were shown"
    assert "Traceback" not in run.log + run.stderr
