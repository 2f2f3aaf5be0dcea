"""Screenshots of the real app on a real desktop: the bundled sample call played through the
real pipeline (``agent-assist --demo``: Whisper, the sentiment model, the default playbook), on
Xvfb with openbox (window manager) and picom (translucency), shot along the call; then the
review of that call and the settings dialog.

    .venv/bin/python scripts/screenshots.py --out build/trial/dark [--screen 1600x1000]
        [--theme dark] [--scale 1.0] [--locked ui.theme,privacy] [--live] [--keyboard]
    .venv/bin/python scripts/screenshots.py --readme     # docs/screenshots/*.png (small PNGs)

``--live`` starts live capture instead of the demo (on a machine without a sound card: what the
agent sees then); ``--keyboard`` types the global shortcut and a card's number with XTest
halfway through, as a keyboard-only agent would. The screen shots are whole-screen PNGs plus
crops of the overlay; ``--readme`` keeps only the crops the README shows. The demo runs in real
time (about 90 s); run one at a time. Needs xvfb, openbox, picom, imagemagick and x11-utils.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QApplication, QWidget

ROOT = Path(__file__).resolve().parents[1]
README_SHOTS = ROOT / "docs" / "screenshots"


def outer(args: argparse.Namespace, argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    from tests.ui.xvfb import xvfb

    for tool in ("Xvfb", "picom", "openbox", "import"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: apt-get install xvfb picom openbox imagemagick")
    home = Path(tempfile.mkdtemp(prefix="agent-assist-shots-"))
    try:
        with xvfb(args.screen, window_manager=True, compositor=True) as env:
            env["PYTHONPATH"] = str(ROOT)
            for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
                env[name] = str(home / name.lower())
            system = home / "system.toml"
            keys = [k for k in args.locked.split(",") if k]
            system.write_text(f"[locked]\nkeys = {keys!r}\n".replace("'", '"') if keys else "")
            env["AGENT_ASSIST_SYSTEM_CONFIG"] = str(system)
            command = [sys.executable, __file__, "--inner", *argv]
            return subprocess.run(command, env=env, check=False).returncode
    finally:
        shutil.rmtree(home, ignore_errors=True)


class Shooter:
    """Whole-screen shots and crops of one window, named by call time."""

    def __init__(self, app: QApplication, out: Path, readme: bool) -> None:
        self.app = app
        self.out = out
        self.readme = readme
        out.mkdir(parents=True, exist_ok=True)

    def settle(self, seconds: float = 0.5) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.02)

    def screen(self, name: str) -> None:
        if not self.readme:
            self._import(self.out / f"{name}.png", None)

    def window(self, name: str, window: QWidget, margin: int = 24) -> None:
        self._import(self.out / f"{name}.png", window.frameGeometry(), margin)

    def _import(self, path: Path, rect: QRect | None, margin: int = 0) -> None:
        command = ["import", "-window", "root"]
        if rect is not None:
            screen = self.app.primaryScreen().geometry()
            r = rect.adjusted(-margin, -margin, margin, margin).intersected(screen)
            command += ["-crop", f"{r.width()}x{r.height()}+{r.x()}+{r.y()}", "+repage"]
        subprocess.run([*command, str(path)], check=True)
        if self.readme:  # small PNGs for the repository: 128 colours, no dithering noise
            small = ["-strip", "-dither", "None", "-colors", "128"]
            small += ["-define", "png:compression-level=9"]
            subprocess.run(["convert", str(path), *small, str(path)], check=True)
        print(f"wrote {path}", flush=True)


def inner(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from agent_assist import config as config_io
    from agent_assist import logs, paths
    from agent_assist.events import CallSummary
    from agent_assist.ui import theme as themes
    from agent_assist.ui.app import AgentAssistApp
    from agent_assist.ui.session import demo_runner_factory, live_runner_factory
    from tests.ui.xvfb import press

    logs.setup("INFO")
    user = paths.user_config_file()
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text(f'[ui]\ntheme = "{args.theme}"\nscale = {args.scale}\n')
    loaded = config_io.load_layered()
    config = loaded.config
    app = QApplication([sys.argv[0]])
    app.setApplicationName("agent-assist")
    app.setQuitOnLastWindowClosed(False)
    app.setWindowIcon(QIcon(str(paths.resources_dir() / "icons" / "agent-assist.png")))
    themes.apply_app_theme(app, config.ui.theme, config.ui.scale)
    factory = live_runner_factory() if args.live else demo_runner_factory()
    controller = AgentAssistApp(config, factory, locked=loaded.locked)
    shots = Shooter(app, Path(args.out), args.readme)
    backdrop = desk_backdrop()
    backdrop.setGeometry(app.primaryScreen().availableGeometry())
    backdrop.show()
    controller.show()
    controller.start()
    start = time.monotonic()
    ended = False

    def ended_now() -> bool:
        return controller.record.summary is not None or not controller.host.active

    wanted = {"overlay-calm": 14, "overlay-escalating": 30, "overlay-suggestions": 52}
    next_shot, keyboard_done = 5.0, False
    while time.monotonic() - start < args.seconds and not ended:
        shots.settle(0.25)
        now = time.monotonic() - start
        for name, at in list(wanted.items()):
            if now >= at:
                shots.window(name, controller.overlay)
                del wanted[name]
        if args.keyboard and not keyboard_done and now >= 40:
            press("Control_L", "Alt_L", "k")
            shots.settle(0.8)
            shots.screen(f"t{round(now):03d}-keyboard-mode")
            press("1")
            shots.settle(0.8)
            shots.screen(f"t{round(now):03d}-keyboard-after-1")
            keyboard_done = True
        if now >= next_shot:
            shots.screen(f"t{round(now):03d}")
            next_shot += 5.0
        ended = ended_now() and not args.live
    shots.settle(1.5)
    shots.screen("t-end")
    summary = isinstance(controller.record.summary, CallSummary)
    print(f"call finished: {summary}; status: {controller.overlay.state.status.text()}")
    menu = controller.overlay.context_menu
    if menu is not None:
        menu.popup(controller.overlay.mapToGlobal(controller.overlay.rect().center()))
        shots.settle(0.5)
        shots.screen("menu")
        menu.hide()
    review = controller.open_review()
    shots.settle(1.0)
    shots.window("review", review, margin=0)
    shots.screen("review-screen")
    review.close()
    settings = controller.open_settings()
    shots.settle(0.8)
    shots.window("settings", settings, margin=0)
    shots.screen("settings-screen")
    for index, name in ((2, "guidance"), (3, "privacy"), (4, "appearance")):
        if args.readme and name != "guidance":
            continue
        settings.tabs.setCurrentIndex(index)
        shots.settle(0.4)
        shots.window(f"settings-{name}", settings, margin=0)
    settings.reject()
    controller.shutdown()
    return 0


def desk_backdrop() -> QWidget:
    """A plain 'ticketing tool' page behind the overlay, so its translucency shows."""
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    page = QWidget()
    page.setWindowTitle("Ticket #48213")
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
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "screenshots")
    parser.add_argument("--screen", default="1280x720", help="screen size, e.g. 1600x1000")
    parser.add_argument("--theme", default="dark", choices=["dark", "light", "high-contrast"])
    parser.add_argument("--scale", type=float, default=1.0, help="the app's ui.scale setting")
    parser.add_argument("--locked", default="", help="config keys the site file locks, a,b")
    parser.add_argument("--live", action="store_true", help="live capture instead of the demo")
    parser.add_argument("--keyboard", action="store_true", help="use the overlay by keyboard")
    parser.add_argument("--seconds", type=float, default=110.0, help="stop after this long")
    parser.add_argument("--readme", action="store_true", help="write docs/screenshots/*.png")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    argv = sys.argv[1:]
    args = parser.parse_args(argv)
    if args.readme:
        args.out = README_SHOTS
        if "--out" not in argv:
            argv += ["--out", str(README_SHOTS)]
    return inner(args) if args.inner else outer(args, argv)


if __name__ == "__main__":
    raise SystemExit(main())
