"""The overlay, driven by real engine events."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from agent_assist.config import UiConfig
from agent_assist.events import MoodUpdate, PipelineStatus, TranscriptPartial
from agent_assist.ui.overlay import UNCERTAIN_HINT, Overlay
from tests.ui import scenario


def make(
    qtbot: QtBot, ui: UiConfig | None = None, *, max_visible: int = 3, tray: bool = True
) -> Overlay:
    overlay = Overlay(ui or UiConfig(), max_visible, tray_available=tray)
    qtbot.addWidget(overlay)
    overlay.show()
    qtbot.waitExposed(overlay)
    return overlay


def feed(overlay: Overlay, events: list) -> None:
    for event in events:
        overlay.show_event(event)


def test_window_never_steals_focus_and_stays_on_top(qtbot: QtBot) -> None:
    overlay = make(qtbot)
    flags = overlay.windowFlags()
    for flag in (
        Qt.WindowType.Tool,
        Qt.WindowType.FramelessWindowHint,
        Qt.WindowType.WindowStaysOnTopHint,
        Qt.WindowType.WindowDoesNotAcceptFocus,
    ):
        assert flags & flag
    assert overlay.testAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
    assert overlay.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    assert not flags & Qt.WindowType.WindowTransparentForInput


def test_mood_meter_number_trend_and_sparkline(qtbot: QtBot) -> None:
    overlay = make(qtbot)
    feed(overlay, scenario.escalating())
    assert overlay.meter.mood.number == "-62" and overlay.meter.mood.arrow == "↓"
    assert "-62, falling" in overlay.meter.accessibleDescription()
    assert overlay.header.text() == "Customer mood (−100…+100) · very upset, falling"
    assert len(overlay.sparkline.points) == 3
    assert not overlay.hint.isVisible()
    image = overlay.meter.grab().toImage()
    marker = image.pixelColor(round((1 - 0.62) / 2 * (image.width() - 100)), image.height() // 2)
    assert marker.red() > marker.green()


def test_uncertain_mood_is_greyed_with_a_hint(qtbot: QtBot) -> None:
    overlay = make(qtbot)
    overlay.show_event(MoodUpdate("customer", 3.0, -0.4, "falling", True, "negative"))
    assert overlay.hint.isVisible() and overlay.hint.text() == UNCERTAIN_HINT
    assert overlay.sparkline.grey
    image = overlay.meter.grab().toImage()
    bar = image.pixelColor(8, image.height() // 2)
    assert abs(bar.red() - bar.green()) < 8 and abs(bar.green() - bar.blue()) < 8
    overlay.show_event(MoodUpdate("customer", 5.0, -0.2, "rising", False, "neutral"))
    assert not overlay.hint.isVisible()


def test_agent_mood_does_not_move_the_customer_meter(qtbot: QtBot) -> None:
    overlay = make(qtbot)
    overlay.show_event(MoodUpdate("agent", 3.0, 0.8, "rising", False, "positive"))
    assert overlay.meter.mood.score is None and overlay.meter.mood.number == "–"


def test_captions_partial_is_provisional_until_final(qtbot: QtBot) -> None:
    overlay = make(qtbot)
    feed(overlay, scenario.calm())
    assert "<i" in overlay.customer.text() and "Sure, it&#x27;s one two" in overlay.customer.text()
    assert overlay.customer.accessibleDescription().startswith("provisional")
    overlay.show_event(scenario.line("customer", 10, 12, "Sure, it's one two three.", "neutral"))
    assert "<i" not in overlay.customer.text()
    assert overlay.customer.accessibleDescription() == "final: Sure, it's one two three."
    assert "account number" in overlay.agent.text()
    assert overlay.agent.isVisible()


def test_agent_caption_can_be_hidden(qtbot: QtBot) -> None:
    overlay = make(qtbot, UiConfig(show_agent_caption=False))
    feed(overlay, scenario.calm())
    assert not overlay.agent.isVisible()


def test_cards_show_title_phrasing_trigger_up_to_max(qtbot: QtBot) -> None:
    overlay = make(qtbot, max_visible=2)
    feed(overlay, scenario.escalating())
    cards = overlay.cards
    assert [c.suggestion.id for c in cards] == [scenario.EMPATHY.id, scenario.MANAGER.id]
    card = cards[1]
    assert card.title.text() == "2. Offer help before escalating"
    assert card.prompt.text() == scenario.MANAGER.prompt
    assert card.trigger.text() == "customer: “I want to speak to a manager”"
    assert card.used.accessibleName().startswith("Mark suggestion 2 used")
    assert card.dismiss.accessibleName().startswith("Dismiss suggestion 2")


def test_buttons_record_feedback_and_remove_the_card(qtbot: QtBot) -> None:
    overlay = make(qtbot)
    feed(overlay, scenario.escalating())
    with qtbot.waitSignal(overlay.feedback) as blocker:
        qtbot.mouseClick(overlay.cards[0].used, Qt.MouseButton.LeftButton)
    assert blocker.args == [scenario.REPEAT.id, "used"]
    with qtbot.waitSignal(overlay.feedback) as blocker:
        qtbot.mouseClick(overlay.cards[1].dismiss, Qt.MouseButton.LeftButton)
    assert blocker.args == [scenario.EMPATHY.id, "dismissed"]
    assert [c.suggestion.id for c in overlay.cards] == [scenario.MANAGER.id]
    assert overlay.cards[0].title.text() == "2. Offer help before escalating"
    assert [(f.suggestion_id, f.action) for f in overlay.state.deck.feedback] == [
        (scenario.REPEAT.id, "used"),
        (scenario.EMPATHY.id, "dismissed"),
    ]


def test_keyboard_mode_shortcuts_and_tab_order(qtbot: QtBot) -> None:
    overlay = make(qtbot)
    feed(overlay, scenario.escalating())
    overlay.set_keyboard_mode(True)
    assert not overlay.windowFlags() & Qt.WindowType.WindowDoesNotAcceptFocus
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is overlay.windowHandle())
    with qtbot.waitSignal(overlay.feedback) as blocker:
        qtbot.keyClick(overlay, Qt.Key.Key_2)
    assert blocker.args == [scenario.MANAGER.id, "used"]
    assert overlay.focusWidget() is overlay.cards[1].used, "focus stays on the same row"
    with qtbot.waitSignal(overlay.feedback) as blocker:
        qtbot.keyClick(overlay, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == [scenario.REPEAT.id, "dismissed"]
    assert overlay.keys.isVisible() and "Ctrl+1–3 dismiss" in overlay.keys.text()
    buttons = [b for c in overlay.cards for b in (c.used, c.dismiss)]
    assert all(b.focusPolicy() & Qt.FocusPolicy.TabFocus for b in buttons)
    qtbot.keyClick(overlay, Qt.Key.Key_C)
    assert overlay.ui.compact
    qtbot.keyClick(overlay, Qt.Key.Key_Escape)
    assert overlay.windowFlags() & Qt.WindowType.WindowDoesNotAcceptFocus
    assert overlay.isVisible()


def test_compact_hides_details(qtbot: QtBot) -> None:
    overlay = make(qtbot)
    feed(overlay, scenario.escalating())
    full_height = overlay.height()
    overlay.set_compact(True)
    assert not overlay.sparkline.isVisible() and not overlay.agent.isVisible()
    assert len(overlay.cards) == 1 and not overlay.cards[0].prompt.isVisible()
    assert overlay.height() < full_height
    overlay.set_compact(False)
    assert len(overlay.cards) == 3 and overlay.sparkline.isVisible()


def test_click_through_only_with_a_tray(qtbot: QtBot) -> None:
    with_tray = make(qtbot, tray=True)
    with_tray.set_click_through(True)
    assert with_tray.windowFlags() & Qt.WindowType.WindowTransparentForInput
    with_tray.set_click_through(False)
    assert not with_tray.windowFlags() & Qt.WindowType.WindowTransparentForInput
    without = make(qtbot, UiConfig(click_through=True), tray=False)
    assert not without.windowFlags() & Qt.WindowType.WindowTransparentForInput
    without.show_event(PipelineStatus("listening", "listening"))
    assert "click-through off (no system tray)" in without.status.text()


def test_status_line_follows_pipeline_status(qtbot: QtBot) -> None:
    overlay = make(qtbot)
    expected = {
        PipelineStatus("loading", "loading speech model (fast)"): "Loading model…",
        PipelineStatus("paused", "paused"): "Paused for privacy · CPU int8",
        PipelineStatus("no_device", "no input device"): "No audio device",
        PipelineStatus("behind", "skipping", lag=3.5): "Falling behind (3.5 s)",
        PipelineStatus("error", "sentiment model missing"): "Error · sentiment model missing",
    }
    overlay.show_event(PipelineStatus("info", "CPU int8"))
    for event, text in expected.items():
        overlay.show_event(event)
        assert text in overlay.status.text()
    overlay.show_event(PipelineStatus("listening", "listening"))
    assert overlay.status.accessibleDescription() == "Listening · CPU int8"


def test_drag_moves_and_reports_position(qtbot: QtBot) -> None:
    overlay = make(qtbot)
    overlay.move(100, 100)
    start = overlay.meter.mapTo(overlay, QPoint(2, 2))
    with qtbot.waitSignal(overlay.moved) as blocker:
        qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=start)
        qtbot.mouseMove(overlay, start + QPoint(40, 30))
        qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=start + QPoint(40, 30))
    name, x, y = blocker.args
    assert name == overlay.screen().name()
    assert (x, y) == (overlay.pos().x(), overlay.pos().y()) == (140, 130)


def test_restore_position_uses_saved_screen(qtbot: QtBot) -> None:
    overlay = make(qtbot)
    screen = overlay.screen()
    overlay.restore_position({screen.name(): [50, 70]})
    assert (overlay.pos().x(), overlay.pos().y()) == (50, 70)
    overlay.restore_position({"no-such-screen": [50, 70]})
    area = screen.availableGeometry()
    assert overlay.pos().x() == area.right() + 1 - overlay.width() - 24


def test_scale_and_theme_apply(qtbot: QtBot) -> None:
    overlay = make(qtbot)
    feed(overlay, scenario.escalating())
    small = overlay.customer.font().pointSizeF()
    width = overlay.width()
    overlay.apply_ui(UiConfig(scale=2.0, theme="high-contrast", opacity=0.5))
    assert overlay.customer.font().pointSizeF() == 2 * small
    assert overlay.width() == 2 * width
    assert overlay.theme.name == "high-contrast" and "#ffffff" in overlay.styleSheet()
    assert abs(overlay.windowOpacity() - 0.5) < 0.01
    assert overlay.cards[0].title.font().pointSizeF() > small


def test_reset_clears_call_state(qtbot: QtBot) -> None:
    overlay = make(qtbot)
    feed(overlay, scenario.escalating())
    overlay.reset()
    assert overlay.cards == [] and overlay.meter.mood.score is None
    assert "…" in overlay.customer.text()


def test_a_partial_caption_gets_one_ellipsis(qtbot: QtBot) -> None:
    overlay = make(qtbot)
    overlay.show_event(TranscriptPartial("agent", 1.0, 2.0, "If you can…"))
    assert "If you can…</i>" in overlay.agent.text()
    overlay.show_event(TranscriptPartial("agent", 1.0, 2.5, "I understand."))
    assert "I understand.</i>" in overlay.agent.text()
    overlay.show_event(TranscriptPartial("agent", 1.0, 3.0, "I understand, let me"))
    assert "let me…</i>" in overlay.agent.text()


def test_cards_fade_out_at_call_end_and_the_overlay_shrinks(qtbot: QtBot) -> None:
    overlay = make(qtbot)
    feed(overlay, scenario.escalating())
    full = overlay.height()
    overlay.show_event(scenario.full_call()[-1])
    assert overlay.cards == [] and len(overlay._fading) == 3, "fading, not gone at once"
    qtbot.waitUntil(lambda: not overlay._fading, timeout=3000)
    assert overlay.cards_box.count() == 0 and overlay.height() < full
