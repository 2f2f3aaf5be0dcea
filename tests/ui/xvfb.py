"""A private X server (Xvfb, optionally openbox) for tests that need a real desktop."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_display() -> str:
    for number in range(150, 250):
        if (
            not Path(f"/tmp/.X11-unix/X{number}").exists()
            and not Path(f"/tmp/.X{number}-lock").exists()
        ):
            return f":{number}"
    raise RuntimeError("no free X display number")


@contextmanager
def xvfb(size: str = "1280x720", *, window_manager: bool = False) -> Iterator[dict[str, str]]:
    """Start Xvfb (and openbox) on a free display; yield the environment for clients."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb not installed (apt-get install xvfb)")
    display = free_display()
    procs = [
        subprocess.Popen(
            ["Xvfb", display, "-screen", "0", f"{size}x24", "-nolisten", "tcp", "-noreset"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    env.pop("WAYLAND_DISPLAY", None)
    try:
        socket = Path(f"/tmp/.X11-unix/X{display[1:]}")
        for _ in range(200):
            if socket.exists():
                break
            time.sleep(0.05)
        if window_manager and shutil.which("openbox"):
            procs.append(
                subprocess.Popen(
                    ["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            )
            time.sleep(0.5)
        yield env
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()


def shoot(env: dict[str, str], path: Path) -> None:
    """A screenshot of the whole X screen (ImageMagick ``import``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["import", "-window", "root", str(path)], env=env, check=True, timeout=30)


def windows(env: dict[str, str]) -> dict[str, tuple[int, int, int, int]]:
    """Title → (x, y, width, height) of the mapped top-level windows (``xwininfo``)."""
    out = subprocess.run(
        ["xwininfo", "-root", "-tree"], env=env, capture_output=True, text=True, timeout=30
    ).stdout
    found: dict[str, tuple[int, int, int, int]] = {}
    for line in out.splitlines():
        line = line.strip()
        if not line.startswith("0x") or '"' not in line:
            continue
        title = line.split('"')[1]
        geometry, absolute = line.split()[-2:]  # WxH+X+Y (relative) and +X+Y (absolute)
        try:
            size = geometry.split("+")[0]
            w, h = (int(v) for v in size.split("x"))
            x, y = (int(v) for v in absolute.lstrip("+").replace("-", "+-").split("+") if v)
        except ValueError:
            continue
        if w > 1 and h > 1 and title not in found:
            found[title] = (x, y, w, h)
    return found
