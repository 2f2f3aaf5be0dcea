"""The overlay's parts: mood meter, sparkline, caption lines and suggestion cards."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QEnterEvent, QLinearGradient, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from agent_assist.events import Speaker, Suggestion
from agent_assist.ui import theme as themes
from agent_assist.ui.viewmodels import Caption, MoodState, evidence_text, mood_number, mood_rgb

UNCERTAIN_HINT = "Transcript unreliable: mood on hold"
MIN_SPARK_SPAN = 0.4
"""The sparkline's vertical range covers at least 40 points of the −100..+100 scale."""


class MoodMeter(QWidget):
    """A red→amber→green bar from −100 to +100 with a marker, the number and the trend arrow."""

    def __init__(self, theme: themes.Theme, scale: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.scale = scale
        self.mood = MoodState()
        self.setAccessibleName("Customer mood, −100 (upset) to +100 (happy)")
        self.setToolTip("Customer mood: −100 very upset · 0 neutral · +100 very happy")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(round(40 * scale))

    def show_mood(self, mood: MoodState) -> None:
        self.mood = mood
        if mood.score is None:
            self.setAccessibleDescription("no mood yet")
        else:
            hint = f", {UNCERTAIN_HINT.lower()}" if mood.uncertain else ""
            self.setAccessibleDescription(f"{mood.number}, {mood.trend}{hint}")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        s = self.scale
        number_w = round(92 * s)
        bar = QRectF(0, self.height() / 2 - 7 * s, self.width() - number_w - 8 * s, 14 * s)
        grey = self.mood.uncertain or self.mood.score is None
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        for stop, value in ((0.0, -1.0), (0.5, 0.0), (1.0, 1.0)):
            color = themes.rgb(mood_rgb(value))
            if grey:
                color = greyed(color)
            gradient.setColorAt(stop, color)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(gradient)
        p.drawRoundedRect(bar, bar.height() / 2, bar.height() / 2)
        if self.mood.score is not None:
            x = bar.left() + (self.mood.score + 1) / 2 * bar.width()
            p.setPen(QPen(QColor(self.theme.text), 2.5 * s))
            p.setBrush(themes.mood_color(self.mood.score, self.mood.uncertain))
            p.drawEllipse(QPointF(x, bar.center().y()), 9 * s, 9 * s)
        text_rect = QRectF(self.width() - number_w, 0, number_w, self.height())
        p.setPen(QColor(self.theme.dim if grey else self.theme.text))
        p.setFont(themes.scaled_font(self.scale, 1.7, bold=True))
        p.drawText(
            text_rect,
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            f"{self.mood.number} {self.mood.arrow if self.mood.score is not None else ''}".strip(),
        )
        p.end()


def spark_range(scores: list[float]) -> tuple[float, float]:
    """The sparkline's (low, high): the data's range, at least ``MIN_SPARK_SPAN`` tall,
    kept inside −1..+1."""
    if not scores:
        return -1.0, 1.0
    low, high = min(scores), max(scores)
    pad = max(0.0, MIN_SPARK_SPAN - (high - low)) / 2 + 0.05
    low, high = low - pad, high + pad
    if low < -1.0:
        high, low = min(1.0, high + (-1.0 - low)), -1.0
    if high > 1.0:
        low, high = max(-1.0, low - (high - 1.0)), 1.0
    return low, high


class Sparkline(QWidget):
    """The customer's mood over the last minutes, coloured by value, on the data's range
    (its top and bottom values written at the left)."""

    def __init__(self, theme: themes.Theme, scale: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.scale = scale
        self.points: list[tuple[float, float]] = []
        self.grey = False
        self.setAccessibleName("Mood over the last minutes")
        self.setFixedHeight(round(34 * scale))

    def show_mood(self, mood: MoodState) -> None:
        self.points = mood.sparkline()
        self.grey = mood.uncertain
        low, high = self.range
        if self.points:
            self.setAccessibleDescription(f"from {mood_number(low)} to {mood_number(high)}")
        self.update()

    @property
    def range(self) -> tuple[float, float]:
        return spark_range([s for _, s in self.points])

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = themes.scaled_font(self.scale, 0.75)
        p.setFont(font)
        label_w = round(30 * self.scale)
        w, h = self.width() - label_w, self.height()
        low, high = self.range

        def y_of(score: float) -> float:
            return (1 - (score - low) / (high - low)) * (h - 4) + 2

        p.setPen(QColor(self.theme.dim))
        if self.points:
            for value, align in (
                (high, Qt.AlignmentFlag.AlignTop),
                (low, Qt.AlignmentFlag.AlignBottom),
            ):
                p.drawText(
                    QRectF(0, 0, label_w - 4, h),
                    align | Qt.AlignmentFlag.AlignRight,
                    mood_number(value),
                )
        p.translate(label_w, 0)
        if low < 0 < high:
            p.setPen(QPen(QColor(self.theme.border), 1, Qt.PenStyle.DotLine))
            p.drawLine(QPointF(0, y_of(0.0)), QPointF(w, y_of(0.0)))
        pts = [QPointF(x * (w - 4) + 2, y_of(s)) for x, s in self.points]
        for (a, b), (_, score) in zip(
            zip(pts, pts[1:], strict=False), self.points[1:], strict=False
        ):
            color = themes.rgb(mood_rgb(score))
            p.setPen(QPen(greyed(color) if self.grey else color, 2 * self.scale))
            p.drawLine(a, b)
        if pts:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(themes.rgb(mood_rgb(self.points[-1][1])))
            p.drawEllipse(pts[-1], 3 * self.scale, 3 * self.scale)
        p.end()


class CaptionLine(QLabel):
    """One speaker's last line; provisional (partial) text is italic and dim."""

    def __init__(self, speaker: Speaker, theme: themes.Theme, scale: float) -> None:
        super().__init__()
        self.speaker = speaker
        self.theme = theme
        self.caption = Caption(speaker)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setFont(themes.scaled_font(scale, 1.0))
        self.setAccessibleName(f"{speaker.capitalize()} caption")
        self.show_caption(self.caption)

    def show_caption(self, caption: Caption) -> None:
        self.caption = caption
        who = html.escape(self.speaker.capitalize())
        text = html.escape(caption.text) if caption.text else "…"
        if caption.provisional:
            more = "" if text.endswith(("…", ".", "?", "!")) else "…"
            body = f'<i style="color:{self.theme.dim}">{text}{more}</i>'
        else:
            body = f'<span style="color:{self.theme.text}">{text}</span>'
        self.setText(f'<b style="color:{self.theme.dim}">{who}:</b> {body}')
        state = "provisional" if caption.provisional else "final"
        self.setAccessibleDescription(f"{state}: {caption.text}")


class SuggestionCard(QFrame):
    """Title, example phrasing, what triggered it, and the used / dismiss buttons.

    ``collapsed`` shows the title only (the overlay collapses lower cards when the screen is
    too short); hovering or focusing the card asks the overlay to expand it (``pinned``).
    """

    acted = Signal(str, str)
    pinned = Signal(str, bool)

    def __init__(
        self, suggestion: Suggestion, number: int, theme: themes.Theme, scale: float, compact: bool
    ) -> None:
        super().__init__()
        self.suggestion = suggestion
        self.number = number
        self.compact = compact
        self.collapsed = False
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        pad = round(8 * scale)
        layout.setContentsMargins(pad, pad // 2 + 2, pad, pad // 2 + 2)
        layout.setSpacing(round(3 * scale))
        head = QHBoxLayout()
        self.title = QLabel()
        self.title.setFont(themes.scaled_font(scale, 1.05, bold=True))
        self.title.setWordWrap(True)
        head.addWidget(self.title, 1)
        self.used = self._button("✓", scale)
        self.dismiss = self._button("✕", scale)
        self.used.clicked.connect(lambda: self.acted.emit(self.suggestion.id, "used"))
        self.dismiss.clicked.connect(lambda: self.acted.emit(self.suggestion.id, "dismissed"))
        head.addWidget(self.used, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.dismiss, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(head)
        self.prompt = QLabel()
        self.prompt.setWordWrap(True)
        self.prompt.setFont(themes.scaled_font(scale, 0.95))
        self.prompt.setAccessibleName("Example phrasing")
        self.trigger = QLabel()
        self.trigger.setWordWrap(True)
        self.trigger.setFont(themes.scaled_font(scale, 0.85))
        self.trigger.setObjectName("dim")
        self.trigger.setAccessibleName("What triggered it")
        self.trigger.setToolTip("What triggered this suggestion")
        layout.addWidget(self.prompt)
        layout.addWidget(self.trigger)
        for button in (self.used, self.dismiss):
            button.installEventFilter(self)
        self.show_suggestion(suggestion, number)

    @property
    def labels(self) -> list[QLabel]:
        return [w for w in (self.title, self.prompt, self.trigger) if not w.isHidden()]

    def show_suggestion(self, suggestion: Suggestion, number: int) -> None:
        self.suggestion = suggestion
        self.number = number
        self.setAccessibleName(f"Suggestion {number}: {suggestion.title}")
        self.title.setText(f"{number}. {suggestion.title}")
        self.prompt.setText(suggestion.prompt)
        self.trigger.setText(evidence_text(suggestion))
        self.used.setAccessibleName(f"Mark suggestion {number} used (key {number})")
        self.dismiss.setAccessibleName(f"Dismiss suggestion {number} (Ctrl+{number})")
        for button in (self.used, self.dismiss):
            button.setToolTip(button.accessibleName())
        self.set_collapsed(self.collapsed)

    def set_collapsed(self, collapsed: bool) -> None:
        self.collapsed = collapsed
        self.prompt.setVisible(not (collapsed or self.compact))
        self.trigger.setVisible(not (collapsed or self.compact) and bool(self.suggestion.evidence))
        self.setToolTip(self.suggestion.prompt if collapsed or self.compact else "")
        self.invalidate()

    def invalidate(self) -> None:
        """Drop the cached sizes now (Qt would only do it at the next event loop pass)."""
        layout = self.layout()
        if layout is not None:
            layout.invalidate()
            for i in range(layout.count()):
                item = layout.itemAt(i)
                child = item.layout() if item is not None else None
                if child is not None:
                    child.invalidate()
        self.updateGeometry()

    def _button(self, text: str, scale: float) -> QPushButton:
        button = QPushButton(text)
        side = round(26 * scale)
        button.setFixedSize(QSize(side, side))
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        return button

    def enterEvent(self, event: QEnterEvent) -> None:  # noqa: N802
        self.pinned.emit(self.suggestion.id, True)
        super().enterEvent(event)

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802
        if not (self.used.hasFocus() or self.dismiss.hasFocus()):
            self.pinned.emit(self.suggestion.id, False)
        super().leaveEvent(event)

    def eventFilter(self, watched: object, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.FocusIn:
            self.pinned.emit(self.suggestion.id, True)
        elif event.type() == QEvent.Type.FocusOut and not self.underMouse():
            self.pinned.emit(self.suggestion.id, False)
        return False


def greyed(color: QColor) -> QColor:
    grey = round(0.3 * color.red() + 0.59 * color.green() + 0.11 * color.blue())
    return QColor(grey, grey, grey, 150)
