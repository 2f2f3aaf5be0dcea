"""Guard against a Qt binding that leaks references to None.

PySide6-Essentials 6.12.0 on CPython 3.11 drops one reference to None on every call of a
method that returns void; after a few thousand calls None is "deallocated" and the process
aborts (Fatal Python error: none_dealloc). 6.11.3 is fine. A long shift makes millions of calls.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot


def test_void_calls_keep_none_alive(qtbot: QtBot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("x")
        label.update()
    assert before - sys.getrefcount(None) < 200
