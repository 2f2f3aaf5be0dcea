"""A private X desktop (Xvfb, optionally openbox and picom) for tests and scripts/screenshots.py,
with screenshots, window geometry and real key presses (XTest)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
def xvfb(
    size: str = "1280x720", *, window_manager: bool = False, compositor: bool = False
) -> Iterator[dict[str, str]]:
    """Start Xvfb (and openbox, picom) on a free display; yield the environment for clients.
    Skips the test when Xvfb is not installed."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb not installed (apt-get install xvfb)")
    display = free_display()
    quiet: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [
        subprocess.Popen(
            ["Xvfb", display, "-screen", "0", f"{size}x24", "-nolisten", "tcp", "-noreset"],
            **quiet,
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
            procs.append(subprocess.Popen(["openbox"], env=env, **quiet))
        if compositor and shutil.which("picom"):
            picom = ["picom", "--backend", "xrender", "--no-vsync", "--config", "/dev/null"]
            procs.append(subprocess.Popen(picom, env=env, **quiet))
        if len(procs) > 1:
            time.sleep(1.0)
        yield env
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()


def press(*keys: str) -> None:
    """Type a key combination on ``$DISPLAY`` as a real keyboard would (XTest): ``press(
    "Control_L", "Alt_L", "k")`` holds each key in turn, then lets them go in reverse."""
    x = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    xtst = ctypes.CDLL(ctypes.util.find_library("Xtst") or "libXtst.so.6")
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XStringToKeysym.restype = ctypes.c_ulong
    x.XStringToKeysym.argtypes = [ctypes.c_char_p]
    x.XKeysymToKeycode.restype = ctypes.c_ubyte
    x.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    x.XCloseDisplay.argtypes = [ctypes.c_void_p]
    xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
    display = x.XOpenDisplay(None)
    codes = [x.XKeysymToKeycode(display, x.XStringToKeysym(k.encode())) for k in keys]
    for code in codes:
        xtst.XTestFakeKeyEvent(display, code, 1, 0)
    for code in reversed(codes):
        xtst.XTestFakeKeyEvent(display, code, 0, 0)
    x.XCloseDisplay(display)


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
