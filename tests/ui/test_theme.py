"""Themes: disabled text never outshines enabled text; high contrast draws visible check boxes;
secondary text in the light theme reaches 4.5:1 (WCAG AA) on the panel."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QCheckBox, QStyle, QStyleOptionButton
from pytestqt.qtbot import QtBot

from agent_assist.ui import theme as themes


def luminance(color: str) -> float:
    c = QColor(color)

    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("name", list(themes.THEMES))
def test_disabled_is_readable_but_dimmer_than_text(name: str) -> None:
    t = themes.theme(name)
    assert contrast(t.disabled, t.background) < contrast(t.text, t.background)
    assert contrast(t.disabled, t.background) >= 3.0
    assert contrast(t.dim, t.background) >= 4.5 and contrast(t.dim, t.surface) >= 4.5
    pal = themes.palette(t)
    disabled = pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
    assert disabled == QColor(t.disabled)


def test_high_contrast_unchecked_box_is_drawn(qtbot: QtBot, qapp: QApplication) -> None:
    themes.apply_app_theme(qapp, "high-contrast", 1.0)
    try:
        box = QCheckBox("Keep call history")
        qtbot.addWidget(box)
        box.show()
        qtbot.waitExposed(box)
        image = box.grab().toImage()
        option = QStyleOptionButton()
        box.initStyleOption(option)
        rect = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
        colours = {
            image.pixelColor(x, y).name()
            for x in range(rect.left(), rect.right() + 1)
            for y in range(rect.top(), rect.bottom() + 1)
        }
        assert "#ffffff" in colours, "the unchecked box has a white border"
    finally:
        themes.apply_app_theme(qapp, "dark", 1.0)
