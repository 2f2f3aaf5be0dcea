"""The review window: timeline, transcript coloured by sentiment, summary, export."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from agent_assist.ui import theme as themes
from agent_assist.ui.export import export_record
from agent_assist.ui.review import ReviewWindow
from agent_assist.ui.viewmodels import CallRecord, Feedback
from tests.ui import scenario


def make(qtbot: QtBot, record: CallRecord | None = None, **kwargs: object) -> ReviewWindow:
    window = ReviewWindow(record or CallRecord.from_events(scenario.full_call()), **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_transcript_rows_coloured_by_sentiment(qtbot: QtBot) -> None:
    apology = "I'm sorry to hear that, let me look into it."
    events = [
        scenario.line("agent", 15.0, 19.0, apology, "negative")
        if getattr(e, "text", "") == apology
        else e
        for e in scenario.full_call()
    ]
    window = make(qtbot, CallRecord.from_events(events), theme_name="light")
    rows = [window.transcript.item(i) for i in range(window.transcript.count())]
    assert len(rows) == 8
    assert (
        rows[2].text()
        == "0:10  Customer: This is the third time I'm calling and nobody has fixed it."
    )
    light = themes.theme("light").sentiment
    assert rows[2].background().color() == QColor(light["negative"])
    assert rows[-1].background().color() == QColor(light["positive"])
    assert rows[0].background().color() == QColor(light["neutral"])
    assert rows[2].toolTip().startswith("customer: negative (-")
    apology = rows[3]
    assert "Agent: I'm sorry" in apology.text() and "agent's own tone" in apology.toolTip()
    assert apology.background().color() == QColor(light["neutral"]), "agent lines are not mood"


def test_clicking_the_timeline_selects_the_line(qtbot: QtBot) -> None:
    window = make(qtbot)
    timeline = window.timeline
    x = round(timeline.x_of(21.0))
    y = round(timeline.plot_rect().center().y())
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    current = window.transcript.currentItem()
    assert current is not None and "speak to a manager" in current.text()
    assert timeline.marker == 20.0


def test_timeline_is_keyboard_navigable(qtbot: QtBot) -> None:
    window = make(qtbot)
    window.timeline.setFocus()
    qtbot.keyClick(window.timeline, Qt.Key.Key_Right)
    assert window.transcript.currentRow() == 0
    qtbot.keyClick(window.timeline, Qt.Key.Key_Right)
    qtbot.keyClick(window.timeline, Qt.Key.Key_Right)
    assert window.transcript.currentRow() == 2
    qtbot.keyClick(window.timeline, Qt.Key.Key_Left)
    assert window.transcript.currentRow() == 1


def test_timeline_paints_lines_and_suggestion_markers(qtbot: QtBot) -> None:
    window = make(qtbot)
    timeline = window.timeline
    image = timeline.grab().toImage()
    top = round(timeline.plot_rect().top()) - 7
    marker = image.pixelColor(round(timeline.x_of(scenario.REPEAT.time)), top)
    assert (marker.red(), marker.green()) == (240, 165)
    tip_at = QPointF(timeline.x_of(15.0), timeline.plot_rect().top() - 6)
    assert timeline._tip_at(tip_at) == "0:15 suggestion: Acknowledge the repeat contact"
    low = image.pixelColor(round(timeline.x_of(23.5)), round(timeline.y_of(-0.62)))
    assert low.red() > low.green()


def test_summary_and_feedback(qtbot: QtBot) -> None:
    record = CallRecord.from_events(scenario.full_call())
    record.feedback.append(Feedback(scenario.REPEAT.id, "used", 16.0))
    window = make(qtbot, record)
    text = window.summary.text()
    for expected in ("0:50 (8 utterances)", "customer 52%", "lowest -62 (very upset)", "22 s",
                     "Acknowledge the repeat contact", "1 used, 0 dismissed"):  # fmt: skip
        assert expected in text


def test_empty_call(qtbot: QtBot) -> None:
    window = make(qtbot, CallRecord(), exporter=export_record)
    assert window.transcript.count() == 0
    assert "has not finished yet" in window.summary.text()
    assert not window.export_buttons["json"].isEnabled()
    window.timeline.grab()


def test_export_with_the_history_writers(qtbot: QtBot, tmp_path: Path) -> None:
    events = [*scenario.full_call()]
    events.insert(
        3, scenario.line("customer", 4.5, 6.0, "my card is 4111 1111 1111 1111", "neutral")
    )
    window = make(qtbot, CallRecord.from_events(events), exporter=export_record)
    for fmt in ("json", "csv", "html"):
        assert window.export(fmt, tmp_path / f"call.{fmt}") == tmp_path / f"call.{fmt}"
        assert (tmp_path / f"call.{fmt}").stat().st_mode & 0o077 == 0
    body = json.loads((tmp_path / "call.json").read_text())
    assert body["summary"]["mood_min"] == -0.62
    assert sum(e["type"] == "transcript" for e in body["events"]) == 9
    csv_text = (tmp_path / "call.csv").read_text()
    assert "4111" not in csv_text and "[CARD]" in csv_text
    html_text = (tmp_path / "call.html").read_text()
    assert "<svg" in html_text and "Acknowledge the repeat contact" in html_text
    assert window.export_status.text() == f"Saved {tmp_path / 'call.html'}"


def test_export_failure_is_shown(qtbot: QtBot, tmp_path: Path) -> None:
    def broken(record: CallRecord, fmt: str, path: Path) -> Path:
        raise OSError(28, "No space left on device")

    window = make(qtbot, exporter=broken)
    assert window.export("csv", tmp_path / "x.csv") is None
    assert window.export_status.text() == "Export failed: [Errno 28] No space left on device"
    window.set_record(CallRecord.from_events(scenario.full_call()))
    assert (
        make(qtbot, exporter=None).export_status.text() == "Export is not available in this build"
    )


def test_past_calls_from_the_real_history(qtbot: QtBot, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from agent_assist.store.history import History

    with History.open(tmp_path / "history.sqlite") as history:
        call_id = history.save_call(
            "monday_call", datetime(2026, 11, 23, 9, 30, tzinfo=UTC), scenario.full_call()
        )
        assert call_id is not None
        window = make(qtbot, CallRecord(), exporter=export_record, history=history)
        assert window.calls.count() == 2
        assert window.calls.itemText(1) == "2026-11-23 09:30 · monday_call · 0:50"
        window.calls.setCurrentIndex(1)
        window.calls.activated.emit(1)
        assert window.record.history_id == call_id and window.transcript.count() == 8
        assert window.export("csv", tmp_path / "monday.csv") is not None
        assert (tmp_path / "monday.csv").read_text().splitlines()[1].startswith(f"{call_id},")
        window.calls.activated.emit(0)
        assert window.transcript.count() == 0


def test_simultaneous_suggestions_share_a_counted_marker(qtbot: QtBot) -> None:
    window = make(qtbot)
    groups = window.timeline.marker_groups()
    assert [[x.id for x in g] for g in groups] == [
        [scenario.REPEAT.id],
        [scenario.MANAGER.id, scenario.EMPATHY.id],
    ]
    tip = window.timeline._tip_at(
        QPointF(window.timeline.x_of(24.0), window.timeline.plot_rect().top() - 6)
    )
    assert "Offer help before escalating" in tip and "Show empathy" in tip


def test_review_opens_on_screen_and_closes_on_escape(qtbot: QtBot) -> None:
    window = ReviewWindow(CallRecord.from_events(scenario.full_call()))
    qtbot.addWidget(window)
    area = window.screen().availableGeometry()
    window.resize(area.width() + 300, area.height() + 200)
    window.move(area.right() - 100, area.bottom() - 50)
    window.show()
    qtbot.waitExposed(window)
    assert area.contains(window.frameGeometry())
    with qtbot.waitSignal(window.closed):
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isVisible()
