"""Post-call review: mood timeline (QPainter), transcript coloured by sentiment, summary, export."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QCloseEvent,
    QColor,
    QGuiApplication,
    QKeyEvent,
    QLinearGradient,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from agent_assist.errors import AgentAssistError
from agent_assist.events import SPEAKERS, Event, Speaker, Suggestion
from agent_assist.report import diarization_lines
from agent_assist.ui import theme as themes
from agent_assist.ui.viewmodels import CallRecord, mood_number, mood_rgb, mood_words, sentiment_of

log = logging.getLogger(__name__)

EXPORT_FORMATS = ("json", "csv", "html")
Exporter = Callable[[CallRecord, str, Path], Path]


class PastCalls(Protocol):
    """Where stored calls come from (``agent_assist.store.history.History``)."""

    def list_calls(self) -> Sequence[Any]: ...

    def events(self, call_id: int) -> list[Event]: ...


MARKER = "#f0a500"
SPEAKER_STYLE: dict[Speaker, tuple[str, Qt.PenStyle]] = {
    "customer": ("Customer", Qt.PenStyle.SolidLine),
    "agent": ("Agent", Qt.PenStyle.DashLine),
}


def clock(seconds: float) -> str:
    minutes, rest = divmod(max(0, round(seconds)), 60)
    return f"{minutes:d}:{rest:02d}"


class Timeline(QWidget):
    """Mood of both speakers over the call, suggestion markers on top, utterance ticks below.

    Clicking (or Left/Right with the keyboard) picks a moment: ``picked(time)``.
    """

    picked = Signal(float)

    def __init__(self, theme: themes.Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.record = CallRecord()
        self.marker: float | None = None
        self.setMinimumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAccessibleName("Mood timeline")
        self.setAccessibleDescription(
            "Customer and agent mood over the call; click or use Left/Right to jump to a line"
        )

    def set_record(self, record: CallRecord) -> None:
        self.record = record
        self.marker = None
        self.update()

    def set_marker(self, time: float | None) -> None:
        self.marker = time
        self.update()

    # geometry -----------------------------------------------------------------------------
    def plot_rect(self) -> QRectF:
        m = self.fontMetrics()
        left = m.horizontalAdvance("−100") + 14
        return QRectF(
            left, m.height() * 2.2, self.width() - left - 12, self.height() - m.height() * 4.4
        )

    def x_of(self, time: float) -> float:
        r = self.plot_rect()
        return r.left() + time / max(self.record.duration, 1e-6) * r.width()

    def y_of(self, score: float) -> float:
        r = self.plot_rect()
        return r.top() + (1 - (max(-1.0, min(1.0, score)) + 1) / 2) * r.height()

    def time_at(self, x: float) -> float:
        r = self.plot_rect()
        return max(0.0, min(1.0, (x - r.left()) / max(r.width(), 1))) * self.record.duration

    # painting -----------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(self.theme.surface))
        r = self.plot_rect()
        self._bands(p, r)
        self._axes(p, r)
        if self.record.duration > 0:
            for speaker in reversed(SPEAKERS):
                self._line(p, speaker)
            self._utterance_ticks(p, r)
            self._suggestion_markers(p, r)
            if self.marker is not None:
                p.setPen(QPen(QColor(self.theme.accent), 2))
                x = self.x_of(self.marker)
                p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()))
        else:
            p.setPen(QColor(self.theme.dim))
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, "No call yet")
        self._legend(p)
        if self.hasFocus():
            p.setPen(QPen(QColor(self.theme.accent), 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        p.end()

    def _bands(self, p: QPainter, r: QRectF) -> None:
        for top, bottom, value in ((1.0, 0.25, 1.0), (-0.25, -1.0, -1.0)):
            color = themes.rgb(mood_rgb(value))
            color.setAlpha(28)
            p.fillRect(
                QRectF(r.left(), self.y_of(top), r.width(), self.y_of(bottom) - self.y_of(top)),
                color,
            )

    def _axes(self, p: QPainter, r: QRectF) -> None:
        m = self.fontMetrics()
        for value in (-1.0, 0.0, 1.0):
            y = self.y_of(value)
            style = Qt.PenStyle.SolidLine if value == 0 else Qt.PenStyle.DotLine
            p.setPen(QPen(QColor(self.theme.border), 1, style))
            p.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))
            p.setPen(QColor(self.theme.dim))
            label = mood_number(value)
            p.drawText(
                QRectF(0, y - m.height() / 2, r.left() - 6, m.height()),
                Qt.AlignmentFlag.AlignRight,
                label,
            )
        duration = self.record.duration
        if duration <= 0:
            return
        step = _time_step(duration)
        t = 0.0
        while t <= duration + 1e-6:
            x = min(max(self.x_of(t), 30.0), self.width() - 30.0)
            p.setPen(QColor(self.theme.dim))
            p.drawText(
                QRectF(x - 30, r.bottom() + m.height() * 0.9, 60, m.height()),
                Qt.AlignmentFlag.AlignHCenter,
                clock(t),
            )
            t += step

    def _line(self, p: QPainter, speaker: Speaker) -> None:
        moods = self.record.moods[speaker]
        if not moods:
            return
        name, style = SPEAKER_STYLE[speaker]
        width = 3.0 if speaker == "customer" else 2.0
        points = [QPointF(self.x_of(m.time), self.y_of(m.score)) for m in moods]
        for i, mood in enumerate(moods):
            if i:
                pen = QPen(themes.rgb(mood_rgb(mood.score)), width, style)
                if speaker == "agent":
                    pen.setColor(QColor(self.theme.dim))
                p.setPen(pen)
                p.drawLine(points[i - 1], points[i])
            p.setPen(Qt.PenStyle.NoPen)
            color = themes.mood_color(mood.score, mood.uncertain)
            p.setBrush(color if speaker == "customer" else QColor(self.theme.dim))
            p.drawEllipse(points[i], width + 0.5, width + 0.5)

    def _utterance_ticks(self, p: QPainter, r: QRectF) -> None:
        for line in self.record.transcripts:
            label = sentiment_of(line) if line.speaker == "customer" else "neutral"
            color = QColor(self.theme.sentiment.get(label, self.theme.border))
            color = color.lighter(160) if self.theme.name != "light" else color.darker(115)
            y = r.bottom() + (4 if line.speaker == "customer" else 10)
            p.fillRect(
                QRectF(
                    self.x_of(line.start),
                    y,
                    max(2.0, self.x_of(line.end) - self.x_of(line.start)),
                    4,
                ),
                color,
            )

    def marker_groups(self) -> list[list[Suggestion]]:
        """Suggestions close enough in time to share one marker (its label counts them)."""
        groups: list[list[Suggestion]] = []
        for suggestion in sorted(self.record.suggestions, key=lambda x: x.time):
            if groups and self.x_of(suggestion.time) - self.x_of(groups[-1][0].time) < 10:
                groups[-1].append(suggestion)
            else:
                groups.append([suggestion])
        return groups

    def _suggestion_markers(self, p: QPainter, r: QRectF) -> None:
        for group in self.marker_groups():
            x = self.x_of(group[0].time)
            path = QPainterPath()
            path.moveTo(x, r.top() - 2)
            path.lineTo(x - 6, r.top() - 12)
            path.lineTo(x + 6, r.top() - 12)
            path.closeSubpath()
            p.setPen(QPen(QColor(self.theme.background), 1))
            p.setBrush(QColor(MARKER))
            p.drawPath(path)
            if len(group) > 1:
                p.setPen(QColor(self.theme.text))
                p.drawText(QPointF(x + 7, r.top() - 3), f"×{len(group)}")
            p.setPen(QPen(QColor(MARKER), 1, Qt.PenStyle.DotLine))
            p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()))

    def _legend(self, p: QPainter) -> None:
        m = self.fontMetrics()
        x = self.plot_rect().left()
        y = m.height() * 0.3
        entries = [
            ("Customer mood (red upset → green happy)", None),
            ("Agent mood", QPen(QColor(self.theme.dim), 2, Qt.PenStyle.DashLine)),
            ("Suggestion", QPen(QColor(MARKER), 6)),
        ]
        for text, pen in entries:
            if pen is None:
                mood = QLinearGradient(x, 0, x + 18, 0)
                for stop, value in ((0.0, -1.0), (0.5, 0.0), (1.0, 1.0)):
                    mood.setColorAt(stop, themes.rgb(mood_rgb(value)))
                pen = QPen(QBrush(mood), 3)
            p.setPen(pen)
            p.drawLine(QPointF(x, y + m.height() / 2), QPointF(x + 18, y + m.height() / 2))
            p.setPen(QColor(self.theme.text))
            p.drawText(QPointF(x + 24, y + m.ascent()), text)
            x += 24 + m.horizontalAdvance(text) + 18

    # interaction --------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self.record.duration > 0:
            self.picked.emit(self.time_at(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.setToolTip(self._tip_at(event.position()))

    def _tip_at(self, pos: QPointF) -> str:
        r = self.plot_rect()
        for group in self.marker_groups():
            if abs(self.x_of(group[0].time) - pos.x()) < 7 and pos.y() < r.top() + 4:
                return "\n".join(f"{clock(x.time)} suggestion: {x.title}" for x in group)
        if self.record.duration > 0 and r.contains(pos):
            return clock(self.time_at(pos.x()))
        return ""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        lines = self.record.transcripts
        if event.key() not in (Qt.Key.Key_Left, Qt.Key.Key_Right) or not lines:
            super().keyPressEvent(event)
            return
        current = self.record.line_at(self.marker) if self.marker is not None else -1
        current = -1 if current is None else current
        step = 1 if event.key() == Qt.Key.Key_Right else -1
        index = max(0, min(len(lines) - 1, current + step))
        self.picked.emit(lines[index].start)


def _time_step(duration: float) -> float:
    for step in (10, 15, 30, 60, 120, 300, 600, 900, 1800):
        if duration / step <= 8:
            return float(step)
    return 3600.0


class ReviewWindow(QWidget):
    """The review of one call. ``exporter(record, format, path)`` writes the export files.

    Opens inside the screen's free area; Esc closes it; ``closed`` says it was closed."""

    closed = Signal()

    def __init__(
        self,
        record: CallRecord,
        *,
        theme_name: str = "dark",
        exporter: Exporter | None = None,
        history: PastCalls | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.theme = themes.theme(theme_name)
        self.exporter = exporter
        self.history = history
        self.session_record = record
        self.setWindowTitle("agent-assist: call review")
        self.setAccessibleName("Call review")
        self.resize(980, 640)
        self.timeline = Timeline(self.theme)
        self.timeline.picked.connect(self.jump_to)
        self.transcript = QListWidget()
        self.transcript.setAccessibleName("Transcript")
        self.transcript.setWordWrap(True)
        self.transcript.setSpacing(1)
        self.transcript.currentRowChanged.connect(self._row_changed)
        self.summary = QLabel()
        self.summary.setAccessibleName("Call summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.summary.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByKeyboard
            | Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.export_status = QLabel()
        self.export_status.setAccessibleName("Export result")
        self.export_status.setWordWrap(True)
        self.export_buttons: dict[str, QPushButton] = {}
        buttons = QHBoxLayout()
        for fmt in EXPORT_FORMATS:
            button = QPushButton(f"Export &{fmt.upper()}…")
            button.setAccessibleName(f"Export the call as {fmt.upper()}")
            button.clicked.connect(lambda _=False, f=fmt: self.export_dialog(f))
            buttons.addWidget(button)
            self.export_buttons[fmt] = button
        buttons.addWidget(self.export_status, 1)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.transcript)
        lower.addWidget(self.summary)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        upper = QSplitter(Qt.Orientation.Vertical)
        upper.addWidget(self.timeline)
        upper.addWidget(lower)
        upper.setStretchFactor(0, 2)
        upper.setStretchFactor(1, 3)
        self.calls = QComboBox()
        self.calls.setAccessibleName("Call to review")
        self.calls.activated.connect(self._call_chosen)
        picker = QHBoxLayout()
        label = QLabel("&Call:")
        label.setBuddy(self.calls)
        picker.addWidget(label)
        picker.addWidget(self.calls, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(picker)
        layout.addWidget(upper, 1)
        layout.addLayout(buttons)
        self.refresh_calls()
        self.set_record(record)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            fit_on_screen(self, screen.availableGeometry())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        super().closeEvent(event)
        self.closed.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)

    def refresh_calls(self) -> None:
        """This session's call, then the stored calls when history is on."""
        self.calls.clear()
        self.calls.addItem("This session's last call", None)
        if self.history is None:
            return
        try:
            rows = self.history.list_calls()
        except AgentAssistError as error:
            self.export_status.setText(f"History unavailable: {error}")
            return
        for row in rows:
            text = f"{row.started_at:%Y-%m-%d %H:%M} · {row.name} · {clock(row.duration)}"
            self.calls.addItem(text, row)

    def show_session_record(self, record: CallRecord) -> None:
        self.session_record = record
        self.refresh_calls()
        self.set_record(record)

    def _call_chosen(self, index: int) -> None:
        row = self.calls.itemData(index)
        if row is None or self.history is None:
            self.set_record(self.session_record)
            return
        try:
            events = self.history.events(row.id)
        except AgentAssistError as error:
            self.export_status.setText(f"Cannot open call {row.id}: {error}")
            return
        fields = {"name": row.name, "started_at": row.started_at, "history_id": row.id}
        self.set_record(CallRecord.from_events(events, **fields))

    def set_record(self, record: CallRecord) -> None:
        self.record = record
        self.timeline.set_record(record)
        self.transcript.clear()
        for line in record.transcripts:
            item = QListWidgetItem(self._line_text(line))
            label = sentiment_of(line)
            tint = label if line.speaker == "customer" else "neutral"
            item.setBackground(QBrush(QColor(self.theme.sentiment.get(tint, self.theme.surface))))
            item.setForeground(QBrush(QColor(self.theme.text)))
            score = f" ({mood_number(line.sentiment.valence)})" if line.sentiment else ""
            who = {"customer": "customer", "other": "other speaker's tone"}.get(
                line.speaker, "agent's own tone"
            )
            item.setToolTip(
                f"{who}: {label}{score}" + ("" if line.reliable else ", unreliable transcript")
            )
            item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, f"{who}: {label}")
            self.transcript.addItem(item)
        self.summary.setText(self._summary_html())
        for button in self.export_buttons.values():
            button.setEnabled(not record.empty and self.exporter is not None)
        if self.exporter is None:
            self.export_status.setText("Export is not available in this build")

    @staticmethod
    def _line_text(line: object) -> str:
        who = {"customer": "Customer", "other": "Other"}.get(getattr(line, "speaker", ""), "Agent")
        flag = "" if getattr(line, "reliable", True) else "  (?)"
        return f"{clock(getattr(line, 'start', 0.0))}  {who}: {getattr(line, 'text', '')}{flag}"

    def jump_to(self, time: float) -> None:
        """Select the transcript line nearest to ``time`` (from a timeline click)."""
        index = self.record.line_at(time)
        if index is None:
            return
        self.transcript.setCurrentRow(index)
        self.transcript.scrollToItem(self.transcript.item(index))

    def _row_changed(self, row: int) -> None:
        if 0 <= row < len(self.record.transcripts):
            self.timeline.set_marker(self.record.transcripts[row].start)

    def _summary_html(self) -> str:
        s = self.record.figures if self.record.summary else None
        rows: list[tuple[str, str]] = []
        if s is None:
            rows.append(("Summary", "the call has not finished yet"))
        else:
            share = ", ".join(f"{k} {v:.0%}" for k, v in s.talk_share.items())
            counts = ", ".join(f"{k} {v}" for k, v in s.sentiment_counts.items())
            rows += [
                ("Call", s.call),
                ("Duration", f"{clock(s.duration)} ({s.utterances} utterances)"),
                ("Talk share", share or "n/a"),
                (
                    "Customer mood (−100…+100)",
                    f"start {_num(s.mood_start)}, end {_num(s.mood_end)}, "
                    f"lowest {_num(s.mood_min)}, average {_num(s.mood_avg)}",
                ),
                ("Time negative", f"{s.negative_seconds:.0f} s"),
                ("Customer sentiment", counts or "n/a"),
            ]
            speakers = self.record.summary.diarization if self.record.summary else None
            if speakers:
                found = " · ".join(line.strip() for line in diarization_lines(speakers))
                rows.append(("Speakers", found.removeprefix("speakers: ")))
        titles = list(dict.fromkeys(x.title for x in self.record.suggestions))
        rows.append(("Suggestions", ", ".join(titles) or "none"))
        used = sum(1 for f in self.record.feedback if f.action == "used")
        dismissed = sum(1 for f in self.record.feedback if f.action == "dismissed")
        if used or dismissed:
            rows.append(("Your feedback", f"{used} used, {dismissed} dismissed"))
        body = "".join(
            f"<tr><td style='padding-right:10px'><b>{html.escape(k)}</b></td>"
            f"<td>{html.escape(v)}</td></tr>"
            for k, v in rows
        )
        return f"<h3>Call summary</h3><table>{body}</table>"

    def export_dialog(self, fmt: str) -> None:
        name = self.record.summary.call if self.record.summary else "call"
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export as {fmt.upper()}", f"{name}.{fmt}", f"{fmt.upper()} (*.{fmt})"
        )
        if path:
            self.export(fmt, Path(path))

    def export(self, fmt: str, path: Path) -> Path | None:
        if self.exporter is None:
            return None
        try:
            written = self.exporter(self.record, fmt, path)
        except (OSError, AgentAssistError) as error:
            self.export_status.setText(f"Export failed: {error}")
            return None
        self.export_status.setText(f"Saved {written}")
        return written


def _num(value: float | None) -> str:
    """A mood on the overlay's scale, in words too: '−38 (upset)'."""
    return "n/a" if value is None else f"{mood_number(value)} ({mood_words(value)})"


def fit_on_screen(window: QWidget, area: QRect) -> None:
    """Shrink ``window`` to the free area if needed and move it fully inside (frame included)."""
    frame = window.frameGeometry()
    extra_w = frame.width() - window.width()
    extra_h = frame.height() - window.height()
    width = min(window.width(), area.width() - extra_w)
    height = min(window.height(), area.height() - extra_h)
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
    x = min(max(frame.x(), area.left()), area.right() + 1 - width - extra_w)
    y = min(max(frame.y(), area.top()), area.bottom() + 1 - height - extra_h)
    if (x, y) != (frame.x(), frame.y()):
        window.move(x, y)
