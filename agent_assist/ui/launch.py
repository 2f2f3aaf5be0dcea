"""Runs the desktop app: ``agent-assist`` (the tray app) and ``agent-assist --demo``."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from agent_assist import config as config_io
from agent_assist import paths
from agent_assist.config import Config
from agent_assist.ui import theme as themes
from agent_assist.ui.app import AgentAssistApp
from agent_assist.ui.session import RunnerFactory, demo_runner_factory, live_runner_factory


def run_app(
    argv: list[str],
    config: Config,
    *,
    demo: bool = False,
    runner_factory: RunnerFactory | None = None,
    locked: frozenset[str] = frozenset(),
    open_settings: bool = False,
    user_file: Path | None = None,
) -> int:
    """Start the tray app (``agent-assist``) or the demo (``agent-assist --demo``); blocks.

    ``locked``: config keys IT has locked (``config.load_layered(...).locked``), shown
    disabled in the settings dialog. ``open_settings``: open Settings at once (after a
    config problem at start, see ``ui.startup``). ``user_file``: the user's config file
    (``--config``; default: the platform's), which Settings writes and each start re-reads.
    """
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv)
    app.setApplicationName("agent-assist")
    app.setQuitOnLastWindowClosed(False)
    app.setWindowIcon(QIcon(str(paths.resources_dir() / "icons" / "agent-assist.png")))
    themes.apply_app_theme(app, config.ui.theme, config.ui.scale)
    if runner_factory is None:
        runner_factory = demo_runner_factory() if demo else live_runner_factory()
    controller = AgentAssistApp(
        config,
        runner_factory,
        save_config=lambda changed: config_io.save(changed, user_file),
        locked=locked,
        load_config=lambda: config_io.load_layered(user_file).config,
    )
    controller.show()
    QTimer.singleShot(0, controller.start)
    if open_settings:
        QTimer.singleShot(0, controller.open_settings)
    try:
        return app.exec()
    finally:
        controller.shutdown()
