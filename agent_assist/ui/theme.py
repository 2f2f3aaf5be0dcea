"""Colours and fonts of the three themes (dark, light, high-contrast), scaled by ui.scale."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from agent_assist.ui.viewmodels import RGB, mood_rgb

BASE_POINT_SIZE = 10.0


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    surface: str
    text: str
    dim: str
    border: str
    accent: str
    button: str
    sentiment: dict[str, str]
    """Tints for transcript lines: negative / neutral / positive."""
    panel_alpha: int = 235
    disabled: str = "#7d8590"
    """Text of disabled controls: readable, but never brighter than enabled text."""

    def qcolor(self, attr: str, alpha: int | None = None) -> QColor:
        color = QColor(getattr(self, attr))
        if alpha is not None:
            color.setAlpha(alpha)
        return color


THEMES: dict[str, Theme] = {
    "dark": Theme(
        name="dark",
        background="#1e2228",
        surface="#2a3039",
        text="#eef1f5",
        dim="#9aa4b1",
        border="#3c4450",
        accent="#5aa9ff",
        button="#38414d",
        sentiment={"negative": "#5a2a2c", "neutral": "#2a3039", "positive": "#1f4a33"},
    ),
    "light": Theme(
        name="light",
        background="#f7f8fa",
        surface="#ffffff",
        text="#1b1f24",
        dim="#4a525c",
        border="#aeb6bf",
        accent="#0b63c5",
        button="#e6e9ee",
        sentiment={"negative": "#f8d7d7", "neutral": "#ffffff", "positive": "#d5f0de"},
    ),
    "high-contrast": Theme(
        name="high-contrast",
        background="#000000",
        surface="#000000",
        text="#ffffff",
        dim="#ffff00",
        border="#ffffff",
        accent="#00ffff",
        button="#000000",
        sentiment={"negative": "#7a0000", "neutral": "#000000", "positive": "#005a00"},
        panel_alpha=255,
        disabled="#a6a6a6",
    ),
}


def theme(name: str) -> Theme:
    return THEMES.get(name, THEMES["dark"])


def mood_color(score: float | None, uncertain: bool = False) -> QColor:
    return rgb(mood_rgb(None if uncertain else score))


def rgb(value: RGB) -> QColor:
    return QColor(*value)


def system_point_size() -> float:
    """The desktop's font size, remembered before the app scales its own font."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return BASE_POINT_SIZE
    stored = app.property("agentAssistSystemPointSize")
    if isinstance(stored, float | int) and stored > 0:
        return float(stored)
    size = app.font().pointSizeF()
    size = size if size > 0 else BASE_POINT_SIZE
    app.setProperty("agentAssistSystemPointSize", size)
    return size


def scaled_font(scale: float, factor: float = 1.0, *, bold: bool = False) -> QFont:
    """The system font × ``ui.scale`` × ``factor``: follows both the desktop and the setting."""
    font = QFont()
    font.setPointSizeF(max(6.0, system_point_size() * scale * factor))
    font.setBold(bold)
    return font


def palette(t: Theme) -> QPalette:
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: t.background,
        QPalette.ColorRole.WindowText: t.text,
        QPalette.ColorRole.Base: t.surface,
        QPalette.ColorRole.AlternateBase: t.background,
        QPalette.ColorRole.Text: t.text,
        QPalette.ColorRole.Button: t.button,
        QPalette.ColorRole.ButtonText: t.text,
        QPalette.ColorRole.Highlight: t.accent,
        QPalette.ColorRole.HighlightedText: t.background,
        QPalette.ColorRole.ToolTipBase: t.surface,
        QPalette.ColorRole.ToolTipText: t.text,
        QPalette.ColorRole.PlaceholderText: t.dim,
        QPalette.ColorRole.Link: t.accent,
    }
    for role, value in roles.items():
        pal.setColor(role, QColor(value))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(t.disabled))
    return pal


def app_stylesheet(t: Theme) -> str:
    """High contrast: check boxes and radio buttons get a visible box (Fusion draws them in
    the window colour, i.e. black on black); a checked box is filled with the accent."""
    if t.name != "high-contrast":
        return ""
    return f"""
        QCheckBox::indicator {{ width: 14px; height: 14px; border: 2px solid {t.text};
                                background: {t.background}; }}
        QCheckBox::indicator:checked {{ background: {t.accent}; }}
        QCheckBox::indicator:disabled {{ border-color: {t.disabled}; }}
        QCheckBox::indicator:checked:disabled {{ background: {t.disabled}; }}
        QLineEdit {{ border: 1px solid {t.text}; padding: 2px; }}
        QLineEdit:disabled {{ border-color: {t.disabled}; }}
        QCheckBox:focus, QPushButton:focus, QComboBox:focus, QLineEdit:focus,
        QAbstractSpinBox:focus {{ outline: 2px solid {t.accent}; }}
    """


def apply_app_theme(app: QApplication, name: str, scale: float) -> None:
    """Palette and font of the dialogs (settings, review) for the chosen theme and scale."""
    base = system_point_size()
    app.setStyle("Fusion")
    app.setPalette(palette(theme(name)))
    app.setStyleSheet(app_stylesheet(theme(name)))
    font = QFont(app.font())
    font.setPointSizeF(max(6.0, base * scale))
    app.setFont(font)
