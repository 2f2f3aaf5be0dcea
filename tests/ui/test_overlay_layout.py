"""Cards never clip: every rule of the default playbook, three at a time, at the smallest
supported screen (1280x720) and at 150 %, before and after a card goes with no further event."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from agent_assist import paths
from agent_assist.config import UiConfig
from agent_assist.events import Evidence, Suggestion
from agent_assist.guidance.playbook import load_playbook
from agent_assist.ui import overlay as overlay_module
from agent_assist.ui.overlay import Overlay
from tests.ui import scenario

SCREEN = QRect(0, 0, 1280, 720)
QUOTE = "I have called you three times this week and every time somebody promises a call back"
EVIDENCE = {
    "phrase": ("phrase", QUOTE),
    "sentiment": ("sentiment", f"{QUOTE} (negative, -0.81)"),
    "trend": ("trend", "customer mood -0.55 (negative, falling)"),
    "repeated_negative": ("repeated_negative", QUOTE),
    "silence": ("silence", "no speech for 14 s"),
    "talk_share": ("talk_share", "agent spoke 78 % of the last 120 s"),
    "speaking_rate": ("speaking_rate", "agent at 212 words/min"),
    "talk_over": ("talk_over", "agent talked over for 3.4 s in 60 s"),
    "loudness": ("loudness", "customer +7.5 dB above usual"),
}


def suggestions() -> list[Suggestion]:
    found = []
    for i, rule in enumerate(load_playbook(paths.default_playbook()).rules):
        kind, detail = EVIDENCE.get(rule.trigger.kind, ("phrase", QUOTE))
        speaker = None if kind == "silence" else "customer"
        time = 30.0 + i
        evidence = (Evidence(kind, detail, time, speaker),)
        found.append(Suggestion(rule.id, rule.title, rule.prompt, 50, time, evidence))
    return found


def labels_of(card: QWidget) -> list[QLabel]:
    return [w for w in (card.title, card.prompt, card.trigger) if not w.isHidden()]  # type: ignore[attr-defined]


def assert_fits(overlay: Overlay, context: str) -> None:
    inside = overlay.rect()
    assert SCREEN.contains(overlay.geometry()), f"{context}: overlay off the screen"
    labels = [overlay.header, overlay.customer, overlay.agent, overlay.status]
    previous_bottom = -1
    for card in overlay.cards:
        box = card.geometry()
        assert inside.contains(box), f"{context}: card {card.title.text()!r} outside the overlay"
        assert box.top() > previous_bottom, f"{context}: cards overlap"
        previous_bottom = box.bottom()
        assert card.title.geometry().right() < card.used.geometry().left(), context
        labels += labels_of(card)
        for label in labels_of(card):
            assert card.rect().contains(label.geometry()), f"{context}: {label.text()!r} cut"
    for label in labels:
        if label.isVisible():
            need = label.heightForWidth(label.width())
            assert label.height() >= need, (
                f"{context}: {label.text()[:40]!r} {label.height()}<{need}"
            )


@pytest.mark.parametrize("compact", [False, True], ids=["full", "compact"])
@pytest.mark.parametrize("scale", [1.0, 1.5], ids=["100%", "150%"])
def test_every_default_rule_fits_three_at_a_time(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, scale: float, compact: bool
) -> None:
    monkeypatch.setattr(overlay_module, "available_area", lambda widget: SCREEN, raising=False)
    overlay = Overlay(UiConfig(scale=scale, compact=compact), 3)
    qtbot.addWidget(overlay)
    overlay.move(SCREEN.width() - overlay.width() - 24, 24)
    overlay.show()
    qtbot.waitExposed(overlay)
    for event in scenario.escalating()[:-4]:
        overlay.show_event(event)
    every = suggestions()
    assert len(every) >= 15
    for start in range(0, len(every), 3):
        group = every[start : start + 3]
        for suggestion in group:
            overlay.show_event(suggestion)
        names = ", ".join(s.id for s in group)
        assert len(overlay.cards) == (1 if compact else len(group)), names
        assert_fits(overlay, f"{names} at {scale}")
        assert not overlay.cards[0].collapsed if hasattr(overlay.cards[0], "collapsed") else True
        overlay.cards[0].dismiss.click()
        assert_fits(overlay, f"{names} at {scale}, after a dismiss")
        while overlay.cards:
            overlay.cards[0].used.click()
        assert_fits(overlay, f"{names} at {scale}, all gone")


def test_growing_to_150_percent_at_the_right_edge_stays_on_screen(qtbot: QtBot) -> None:
    overlay = Overlay(UiConfig(), 3)
    qtbot.addWidget(overlay)
    area = overlay.screen().availableGeometry()
    overlay.show()
    qtbot.waitExposed(overlay)
    overlay.move(area.right() + 1 - overlay.width() - 24, area.top() + 24)
    for event in scenario.escalating():
        overlay.show_event(event)
    overlay.apply_ui(UiConfig(scale=1.5))
    assert area.contains(overlay.geometry()), (overlay.geometry(), area)
    assert overlay.width() == round(380 * 1.5)


def test_a_drag_past_the_edge_snaps_back_on_release(qtbot: QtBot) -> None:
    overlay = Overlay(UiConfig(), 3)
    qtbot.addWidget(overlay)
    area = overlay.screen().availableGeometry()
    overlay.show()
    qtbot.waitExposed(overlay)
    overlay.move(area.left() + 100, area.top() + 100)
    start = overlay.meter.mapTo(overlay, overlay.meter.rect().topLeft()) + QPoint(2, 2)
    far = start + QPoint(area.width(), area.height())
    with qtbot.waitSignal(overlay.moved) as blocker:
        qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=start)
        qtbot.mouseMove(overlay, far)
        qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=far)
    assert area.contains(overlay.geometry())
    _, x, y = blocker.args
    assert (x, y) == (overlay.x(), overlay.y()), "the saved position is the on-screen one"
