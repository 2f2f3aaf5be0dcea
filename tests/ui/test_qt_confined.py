"""Only agent_assist/ui imports PySide6 (the core stays Qt-free)."""

from __future__ import annotations

import ast
from pathlib import Path

import agent_assist

PACKAGE = Path(agent_assist.__file__).parent
QT_FREE_UI_MODULES = {"viewmodels.py", "devices.py", "session.py", "export.py"}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def uses_qt(path: Path) -> bool:
    return any(
        name.split(".")[0] in {"PySide6", "PyQt5", "PyQt6", "shiboken6"}
        for name in imported_modules(path)
    )


def test_only_the_ui_package_imports_qt() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "ui" not in path.relative_to(PACKAGE).parts[:1] and uses_qt(path)
    ]
    assert offenders == []
    assert uses_qt(PACKAGE / "ui" / "overlay.py")  # the scan does see Qt imports


def test_view_models_and_helpers_are_qt_free_too() -> None:
    for name in QT_FREE_UI_MODULES:
        assert not uses_qt(PACKAGE / "ui" / name), name
