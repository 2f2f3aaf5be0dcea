"""Render the overlay (calm, escalating, suggestions shown), the settings dialog and the review
window on a real X server with a compositor, into docs/screenshots/*.png.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--scale 1.0]

Starts Xvfb, picom (translucency) and openbox (window manager) on a free display, runs itself
again inside it, and stops them by PID. Needs xvfb, picom, openbox and imagemagick (``import``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

ROOT = Path(__file__).resolve().parents[1]
SCREEN = (1280, 800)


def free_display() -> int:
    for number in range(90, 140):
        if (
            not Path(f"/tmp/.X11-unix/X{number}").exists()
            and not Path(f"/tmp/.X{number}-lock").exists()
        ):
            return number
    raise SystemExit("no free X display number")


def wait_for_display(display: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    socket = Path(f"/tmp/.X11-unix/X{display.lstrip(':')}")
    while not socket.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"Xvfb did not start on {display}")
        time.sleep(0.05)


def outer(args: argparse.Namespace) -> int:
    for tool in ("Xvfb", "picom", "openbox", "import"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: apt-get install xvfb picom openbox imagemagick")
    display = f":{free_display()}"
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    env["QT_SCALE_FACTOR"] = str(args.display_scale)
    env.pop("WAYLAND_DISPLAY", None)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        ds = args.display_scale
        size = f"{round(SCREEN[0] * ds)}x{round(SCREEN[1] * ds)}x24"
        procs.append(
            subprocess.Popen(
                ["Xvfb", display, "-screen", "0", size, "-nolisten", "tcp", "-noreset"]
            )
        )
        wait_for_display(display)
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        procs.append(subprocess.Popen(["openbox"], env=env, **quiet))  # type: ignore[call-overload]
        procs.append(
            subprocess.Popen(  # type: ignore[call-overload]
                ["picom", "--backend", "xrender", "--no-vsync", "--config", "/dev/null"],
                env=env,
                **quiet,
            )
        )
        time.sleep(1.0)
        command = [
            sys.executable,
            __file__,
            "--inner",
            "--out",
            str(args.out),
            "--scale",
            str(args.scale),
        ]
        return subprocess.run(command, env=env, check=False).returncode
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()


def inner(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QApplication

    from agent_assist.config import Config
    from agent_assist.ui import theme as themes
    from agent_assist.ui.devices import AudioDevice, DeviceListing
    from agent_assist.ui.overlay import Overlay
    from agent_assist.ui.review import ReviewWindow
    from agent_assist.ui.settings import SettingsDialog
    from agent_assist.ui.viewmodels import CallRecord
    from tests.ui import scenario

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication([sys.argv[0]])
    config = Config.model_validate({"ui": {"scale": args.scale}})
    themes.apply_app_theme(app, config.ui.theme, config.ui.scale)

    def settle(seconds: float = 0.6) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)

    def shoot(name: str, rect: QRect, margin: int = 16) -> None:
        r = rect.adjusted(-margin, -margin, margin, margin).intersected(QRect(0, 0, *SCREEN))
        ds = float(os.environ.get("QT_SCALE_FACTOR", "1"))
        r = QRect(
            round(r.x() * ds), round(r.y() * ds), round(r.width() * ds), round(r.height() * ds)
        )
        target = out / f"{name}.png"
        crop = f"{r.width()}x{r.height()}+{r.x()}+{r.y()}"
        subprocess.run(
            ["import", "-window", "root", "-crop", crop, "+repage", str(target)], check=True
        )
        print(f"wrote {target} ({r.width()}x{r.height()})")

    backdrop = desk_backdrop()
    backdrop.setGeometry(0, 0, *SCREEN)
    backdrop.show()
    settle()

    states = {
        "overlay-calm": scenario.calm(),
        "overlay-escalating": scenario.escalating()[: len(scenario.calm()) + 2],
        "overlay-suggestions": scenario.escalating(),
    }
    for name, events in states.items():
        overlay = Overlay(config.ui, config.guidance.max_visible)
        for event in events:
            overlay.show_event(event)
        overlay.move(SCREEN[0] - overlay.width() - 60, 40)
        overlay.show()
        settle()
        shoot(name, overlay.frameGeometry(), margin=40)
        overlay.close()

    hc = Config.model_validate(
        {"ui": {"theme": "high-contrast", "compact": True, "scale": args.scale * 1.25}}
    )
    overlay = Overlay(hc.ui, 3)
    for event in scenario.escalating():
        overlay.show_event(event)
    overlay.move(SCREEN[0] - overlay.width() - 60, 40)
    overlay.show()
    settle()
    shoot("overlay-compact-high-contrast", overlay.frameGeometry(), margin=40)
    overlay.close()

    devices = (
        AudioDevice(0, "Jabra Evolve2 40 Mono", "PulseAudio", 1, 0),
        AudioDevice(1, "Monitor of Built-in Audio Analog Stereo", "PulseAudio", 2, 0),
    )
    settings = SettingsDialog(config, devices=lambda: DeviceListing(devices), save=lambda c: None)
    settings.bindings["audio.customer_device"].set(devices[1].name)
    settings.bindings["audio.agent_device"].set(devices[0].name)
    settings.move(200, 120)
    settings.show()
    settle()
    shoot("settings", settings.frameGeometry(), margin=0)
    settings.tabs.setCurrentIndex(2)
    settle(0.3)
    shoot("settings-guidance", settings.frameGeometry(), margin=0)
    settings.close()

    review = ReviewWindow(CallRecord.from_events(scenario.full_call()), exporter=lambda r, f, p: p)
    review.setGeometry(60, 60, 1000, 660)
    review.show()
    settle()
    review.jump_to(21.0)
    review.transcript.setFocus()
    settle(0.3)
    shoot("review", review.frameGeometry(), margin=0)
    review.close()
    return 0


def desk_backdrop() -> QWidget:
    """A plain 'ticketing tool' page behind the overlay, so its translucency shows."""
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    page = QWidget()
    page.setStyleSheet("background: #e9edf2; color: #2d3640; font-size: 15px;")
    layout = QVBoxLayout(page)
    title = QLabel("Ticket #48213 · Internet bill dispute")
    title.setStyleSheet("font-size: 22px; font-weight: bold; color: #1d2630;")
    layout.addWidget(title)
    for text in (
        "Customer: Dana Whitfield · Plan: Fibre 500 · Account since 2019",
        "Last contacts: 12 Nov (billing), 19 Nov (billing), 24 Nov (technical)",
        "Open issue: duplicate charge on the November invoice; technician visit not booked.",
        "Notes: customer asked for a call back twice; no call back logged.",
    ) * 3:
        layout.addWidget(QLabel(text))
    layout.addStretch(1)
    return page


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--scale", type=float, default=1.0, help="the app's ui.scale setting")
    parser.add_argument(
        "--display-scale", type=float, default=1.0, help="desktop scaling (QT_SCALE_FACTOR), e.g. 2"
    )
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    return inner(args) if args.inner else outer(args)


if __name__ == "__main__":
    raise SystemExit(main())
