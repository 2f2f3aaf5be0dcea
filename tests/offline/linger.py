"""Run agent-assist's entry point, then keep the process alive until SECONDS have passed.

    python tests/offline/linger.py SECONDS [--gui] -- AGENT_ASSIST_ARGS...

Native telemetry starts about 10 s into a process and retries every few seconds, so a trace of
a command that ends sooner proves little. With ``--gui`` the Qt application is created first
and quits (as the tray menu's Quit does) after SECONDS; ``agent_assist.ui.launch.run_app`` uses
that application. Nothing but the standard library (and Qt) is imported before agent_assist:
the process starts exactly as ``agent-assist ARGS`` does. Exits with the command's status.
"""

from __future__ import annotations

import sys
import time


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def main(argv: list[str]) -> int:
    started = time.monotonic()
    seconds = float(argv[0])
    gui = "--gui" in argv[1 : argv.index("--")]
    args = argv[argv.index("--") + 1 :]
    if gui:
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        app = QApplication(["agent-assist"])
        QTimer.singleShot(int(seconds * 1000), app.quit)
    sys.argv = ["agent-assist", *args]
    from agent_assist.__main__ import main as entry_point

    try:
        entry_point()
        code = 0
    except SystemExit as ended:
        code = _exit_code(ended.code)
    time.sleep(max(0.0, seconds - (time.monotonic() - started)))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
