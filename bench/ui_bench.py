"""UI figures (prints, never asserts): overlay CPU while listening to silence, at a forced 10 Hz
repaint; RSS of the app with the default models loaded; launch-to-overlay-visible time.

    .venv/bin/python bench/ui_bench.py [--seconds 5] [--runs 3] [--no-models]

Runs on QT_QPA_PLATFORM=offscreen unless DISPLAY is set (then on that X server). Medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_percent(seconds: float, repaint_hz: float | None, whole: bool = True) -> float:
    """CPU of this process (% of one core) while the overlay shows a listening, silent call,
    optionally repainting the whole window (or just the meter and sparkline) at ``repaint_hz``."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from agent_assist.config import Config
    from agent_assist.events import PipelineStatus
    from agent_assist.ui.overlay import Overlay
    from tests.ui import scenario

    app = QApplication.instance() or QApplication([])
    overlay = Overlay(Config().ui)
    for event in scenario.escalating():
        overlay.show_event(event)
    overlay.show_event(PipelineStatus("listening", "listening"))
    overlay.show()
    app.processEvents()
    timer = QTimer()
    if repaint_hz:
        if whole:
            timer.timeout.connect(overlay.update)
        else:
            timer.timeout.connect(overlay.meter.update)
            timer.timeout.connect(overlay.sparkline.update)
        timer.start(round(1000 / repaint_hz))
    loop = QEventLoop()
    QTimer.singleShot(round(seconds * 1000), loop.quit)
    cpu0 = time.process_time()
    loop.exec()
    used = time.process_time() - cpu0
    timer.stop()
    overlay.close()
    overlay.deleteLater()
    app.processEvents()
    return 100 * used / seconds


def child_visible() -> None:
    """Runs in a fresh process: build the app, show the overlay, print seconds since launch."""
    launched = float(os.environ["UI_BENCH_LAUNCH"])
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from agent_assist.config import Config
    from agent_assist.ui import theme as themes
    from agent_assist.ui.app import AgentAssistApp
    from agent_assist.ui.devices import DeviceListing
    from tests.ui.conftest import FakeFactory

    app = QApplication([])
    config = Config()
    themes.apply_app_theme(app, config.ui.theme, config.ui.scale)
    controller = AgentAssistApp(
        config, FakeFactory([]), save_config=lambda c: None, devices=lambda: DeviceListing()
    )

    class Exposed(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                print(f"{time.time() - launched:.3f}", flush=True)
                QTimer.singleShot(0, app.quit)
                self.deleteLater()
            return False

    watcher = Exposed()
    controller.overlay.installEventFilter(watcher)
    controller.show()
    app.exec()
    controller.shutdown()


def launch_seconds() -> float:
    env = {**os.environ, "UI_BENCH_LAUNCH": repr(time.time())}
    out = subprocess.run(
        [sys.executable, __file__, "--child"], env=env, capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def models_rss(load: bool) -> str:
    """RSS with the default models loaded next to the UI (what ``agent-assist`` holds)."""
    if not load:
        return f"{rss_mb():.0f} MB (UI only, --no-models)"
    from agent_assist.config import Config
    from agent_assist.errors import ModelError
    from agent_assist.pipeline import load_models

    config = Config()
    try:
        load_models(config)
        return f"{rss_mb():.0f} MB (UI + all default models)"
    except ModelError as error:
        from agent_assist.asr.whisper import WhisperTranscriber

        WhisperTranscriber.load(config.asr)
        return f"{rss_mb():.0f} MB (UI + Whisper '{config.asr.profile}' only: {error})"


def main() -> int:
    parser = argparse.ArgumentParser(description="agent-assist UI benchmark")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-models", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_visible()
        return 0
    platform = os.environ.get("QT_QPA_PLATFORM") or f"xcb on {os.environ.get('DISPLAY')}"
    print(f"platform: {platform}; {args.runs} runs, medians")
    idle = statistics.median(cpu_percent(args.seconds, None) for _ in range(args.runs))
    meter = statistics.median(cpu_percent(args.seconds, 10.0, False) for _ in range(args.runs))
    forced = statistics.median(cpu_percent(args.seconds, 10.0) for _ in range(args.runs))
    print(f"overlay CPU, listening to silence (event-driven): {idle:.2f} % of one core")
    print(f"overlay CPU, meter + sparkline repainted at 10 Hz: {meter:.2f} % of one core")
    print(f"overlay CPU, whole overlay with 3 cards at 10 Hz:  {forced:.2f} % of one core")
    print("  (target <= 2 % of one core while listening to silence)")
    launches = [launch_seconds() for _ in range(args.runs)]
    print(
        f"launch to overlay visible: {statistics.median(launches):.2f} s (median of "
        f"{', '.join(f'{x:.2f}' for x in launches)}; target <= 3 s warm)"
    )
    print(f"RSS: {models_rss(not args.no_models)} (target <= 700 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
