"""The floating overlay: mood meter, sparkline, captions, suggestion cards and status line."""

from __future__ import annotations

import html
import logging

from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QGuiApplication,
    QKeySequence,
    QLinearGradient,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QShortcut,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from agent_assist.config import UiConfig
from agent_assist.events import Event, Speaker, Suggestion
from agent_assist.ui import theme as themes
from agent_assist.ui.viewmodels import (
    Caption,
    FeedbackAction,
    MoodState,
    OverlayState,
    Part,
    choose_position,
    default_position,
    evidence_text,
    mood_rgb,
)

log = logging.getLogger(__name__)

TONE_COLORS = {
    "ok": "#27ae60",
    "busy": "#f0a500",
    "warn": "#f0a500",
    "error": "#e74c3c",
    "idle": "#8a94a0",
}
BASE_WIDTH = 380
UNCERTAIN_HINT = "Transcript unreliable: mood on hold"


class MoodMeter(QWidget):
    """A red→amber→green bar with a marker, the number and the trend arrow."""

    def __init__(self, theme: themes.Theme, scale: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.scale = scale
        self.mood = MoodState()
        self.setAccessibleName("Customer mood")
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
                color = _greyed(color)
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


class Sparkline(QWidget):
    """The customer's mood over the last minutes, coloured by value."""

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
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        p.setPen(QPen(QColor(self.theme.border), 1, Qt.PenStyle.DotLine))
        p.drawLine(QPointF(0, h / 2), QPointF(w, h / 2))
        pts = [QPointF(x * (w - 4) + 2, (1 - (s + 1) / 2) * (h - 4) + 2) for x, s in self.points]
        for (a, b), (_, score) in zip(
            zip(pts, pts[1:], strict=False), self.points[1:], strict=False
        ):
            color = themes.rgb(mood_rgb(score))
            p.setPen(QPen(_greyed(color) if self.grey else color, 2 * self.scale))
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
            body = f'<i style="color:{self.theme.dim}">{text}…</i>'
        else:
            body = f'<span style="color:{self.theme.text}">{text}</span>'
        self.setText(f'<b style="color:{self.theme.dim}">{who}:</b> {body}')
        state = "provisional" if caption.provisional else "final"
        self.setAccessibleDescription(f"{state}: {caption.text}")


class SuggestionCard(QFrame):
    """Title, example phrasing, what triggered it, and the used / dismiss buttons."""

    acted = Signal(str, str)

    def __init__(
        self, suggestion: Suggestion, index: int, theme: themes.Theme, scale: float, compact: bool
    ) -> None:
        super().__init__()
        self.suggestion = suggestion
        self.setObjectName("card")
        self.setAccessibleName(f"Suggestion {index}: {suggestion.title}")
        layout = QVBoxLayout(self)
        pad = round(8 * scale)
        layout.setContentsMargins(pad, pad // 2 + 2, pad, pad // 2 + 2)
        layout.setSpacing(round(3 * scale))
        head = QHBoxLayout()
        self.title = QLabel(f"{index}. {suggestion.title}")
        self.title.setFont(themes.scaled_font(scale, 1.05, bold=True))
        self.title.setWordWrap(True)
        head.addWidget(self.title, 1)
        self.used = self._button("✓", f"Mark suggestion {index} used ({index})", scale)
        self.dismiss = self._button("✕", f"Dismiss suggestion {index} (Ctrl+{index})", scale)
        self.used.clicked.connect(lambda: self.acted.emit(suggestion.id, "used"))
        self.dismiss.clicked.connect(lambda: self.acted.emit(suggestion.id, "dismissed"))
        head.addWidget(self.used, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.dismiss, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(head)
        self.prompt = QLabel(suggestion.prompt)
        self.prompt.setWordWrap(True)
        self.prompt.setFont(themes.scaled_font(scale, 0.95))
        self.prompt.setAccessibleName("Example phrasing")
        self.trigger = QLabel(evidence_text(suggestion))
        self.trigger.setWordWrap(True)
        self.trigger.setFont(themes.scaled_font(scale, 0.8))
        self.trigger.setObjectName("dim")
        self.trigger.setAccessibleName("What triggered it")
        self.trigger.setToolTip("What triggered this suggestion")
        layout.addWidget(self.prompt)
        layout.addWidget(self.trigger)
        self.prompt.setVisible(not compact)
        self.trigger.setVisible(not compact and bool(suggestion.evidence))

    def _button(self, text: str, name: str, scale: float) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(name)
        button.setToolTip(name)
        side = round(26 * scale)
        button.setFixedSize(QSize(side, side))
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        return button


class Overlay(QWidget):
    """Frameless, translucent, always-on-top tool window that never takes focus by itself.

    Feed it events with :meth:`show_event`; it asks the app to record feedback through
    ``feedback`` and to save its position through ``moved`` (screen name, x, y).
    """

    feedback = Signal(str, str)
    moved = Signal(str, int, int)

    def __init__(self, ui: UiConfig, max_visible: int = 3, *, tray_available: bool = True) -> None:
        super().__init__(None)
        self.ui = ui.model_copy()
        self.state = OverlayState(max_visible)
        self.tray_available = tray_available
        self.keyboard_mode = False
        self.theme = themes.theme(ui.theme)
        self.context_menu: QMenu | None = None
        self._drag_from: QPoint | None = None
        self._cards: list[SuggestionCard] = []
        self.setObjectName("overlay")
        self.setWindowTitle("agent-assist")
        self.setAccessibleName("agent-assist overlay")
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self._build()
        self._apply_flags()
        self._shortcuts()
        self.apply_ui(ui)

    # construction -------------------------------------------------------------------------
    def _build(self) -> None:
        self.root = QVBoxLayout(self)
        self.header = QLabel("Customer mood")
        self.header.setObjectName("dim")
        self.meter = MoodMeter(self.theme, self.ui.scale)
        self.hint = QLabel(UNCERTAIN_HINT)
        self.hint.setObjectName("hint")
        self.hint.setAccessibleName("Mood hint")
        self.hint.hide()
        self.sparkline = Sparkline(self.theme, self.ui.scale)
        self.customer = CaptionLine("customer", self.theme, self.ui.scale)
        self.agent = CaptionLine("agent", self.theme, self.ui.scale)
        self.cards_box = QVBoxLayout()
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setAccessibleName("Status")
        self.status.setWordWrap(True)
        for widget in (
            self.header,
            self.meter,
            self.hint,
            self.sparkline,
            self.customer,
            self.agent,
        ):
            self.root.addWidget(widget)
        self.root.addLayout(self.cards_box)
        self.root.addWidget(self.status)

    def _apply_flags(self) -> None:
        flags = (
            Qt.WindowType.Tool
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
        )
        if not self.keyboard_mode:
            flags |= Qt.WindowType.WindowDoesNotAcceptFocus
        if self.click_through_active:
            flags |= Qt.WindowType.WindowTransparentForInput
        visible = self.isVisible()
        self.setWindowFlags(flags)
        if visible:
            self.show()

    def _shortcuts(self) -> None:
        context = Qt.ShortcutContext.WindowShortcut
        for i in range(1, 10):
            QShortcut(
                QKeySequence(str(i)), self, lambda i=i: self.act_on(i - 1, "used"), context=context
            )
            QShortcut(
                QKeySequence(f"Ctrl+{i}"),
                self,
                lambda i=i: self.act_on(i - 1, "dismissed"),
                context=context,
            )
        QShortcut(QKeySequence("Esc"), self, lambda: self.set_keyboard_mode(False), context=context)
        QShortcut(QKeySequence("C"), self, self.toggle_compact, context=context)

    # settings -----------------------------------------------------------------------------
    @property
    def click_through_active(self) -> bool:
        """Click-through needs a way back in: the tray menu. Without a tray it stays off."""
        return self.ui.click_through and self.tray_available and not self.keyboard_mode

    def apply_ui(self, ui: UiConfig) -> None:
        """Theme, scale, opacity, compact and click-through from the settings."""
        flags_changed = ui.click_through != self.ui.click_through
        self.ui = ui.model_copy()
        self.theme = themes.theme(ui.theme)
        for painted in (self.meter, self.sparkline):
            painted.theme = self.theme
            painted.scale = ui.scale
        self.customer.theme = self.agent.theme = self.theme
        self.meter.setFixedHeight(round(40 * ui.scale))
        self.sparkline.setFixedHeight(round(34 * ui.scale))
        self.customer.setFont(themes.scaled_font(ui.scale))
        self.agent.setFont(themes.scaled_font(ui.scale))
        self.header.setFont(themes.scaled_font(ui.scale, 0.85))
        self.hint.setFont(themes.scaled_font(ui.scale, 0.85))
        self.status.setFont(themes.scaled_font(ui.scale, 0.85))
        pad = round(12 * ui.scale)
        self.root.setContentsMargins(pad, pad, pad, pad)
        self.root.setSpacing(round(6 * ui.scale))
        self.setStyleSheet(self._stylesheet())
        self.setWindowOpacity(ui.opacity)
        self.setFixedWidth(round(BASE_WIDTH * ui.scale * (0.8 if ui.compact else 1.0)))
        if flags_changed:
            self._apply_flags()
        self._refresh({"mood", "captions", "cards", "status"})

    def _stylesheet(self) -> str:
        t = self.theme
        border = "2px" if t.name == "high-contrast" else "1px"
        return f"""
            QLabel {{ color: {t.text}; background: transparent; }}
            QLabel#dim {{ color: {t.dim}; }}
            QLabel#hint {{ color: {t.dim}; font-style: italic; }}
            QLabel#status {{ color: {t.dim}; }}
            QFrame#card {{ background: {t.surface}; border: {border} solid {t.border};
                           border-radius: 8px; }}
            QFrame#card QLabel {{ border: none; }}
            QPushButton {{ background: {t.button}; color: {t.text};
                           border: {border} solid {t.border}; border-radius: 4px; }}
            QPushButton:focus {{ border: 2px solid {t.accent}; }}
            QPushButton:hover {{ border: 1px solid {t.accent}; }}
        """

    def set_compact(self, compact: bool) -> None:
        if compact != self.ui.compact:
            self.apply_ui(self.ui.model_copy(update={"compact": compact}))

    def toggle_compact(self) -> None:
        self.set_compact(not self.ui.compact)

    def set_click_through(self, on: bool) -> None:
        if on != self.ui.click_through:
            self.apply_ui(self.ui.model_copy(update={"click_through": on}))

    def set_keyboard_mode(self, on: bool) -> None:
        """Let the overlay take keyboard focus (Tab through its buttons) until Esc."""
        if on == self.keyboard_mode:
            return
        self.keyboard_mode = on
        self._apply_flags()
        if on:
            self.show()
            self.raise_()
            self.activateWindow()
            first = self._cards[0].used if self._cards else None
            if first is not None:
                first.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # events -------------------------------------------------------------------------------
    def show_event(self, event: Event) -> None:
        """Render one engine event (connected to the bridge's ``event`` signal)."""
        parts = self.state.apply(event)
        if parts:
            self._refresh(parts)

    def reset(self) -> None:
        self.state.reset()
        self._refresh({"mood", "captions", "cards"})

    def act_on(self, index: int, action: FeedbackAction) -> None:
        if 0 <= index < len(self.state.deck.cards):
            self._act(self.state.deck.cards[index].id, action)

    def _act(self, suggestion_id: str, action: str) -> None:
        chosen: FeedbackAction = "used" if action == "used" else "dismissed"
        if self.state.act(suggestion_id, chosen) is not None:
            self.feedback.emit(suggestion_id, chosen)
            self._refresh({"cards"})

    def _refresh(self, parts: set[Part]) -> None:
        if "mood" in parts:
            mood = self.state.customer
            self.meter.show_mood(mood)
            self.sparkline.show_mood(mood)
            self.header.setText(_mood_header(mood))
            self.hint.setVisible(mood.uncertain)
            self.sparkline.setVisible(not self.ui.compact)
        if "captions" in parts:
            self.customer.show_caption(self.state.captions.lines["customer"])
            self.agent.show_caption(self.state.captions.lines["agent"])
            self.agent.setVisible(self.ui.show_agent_caption and not self.ui.compact)
        if "cards" in parts:
            self._rebuild_cards()
        if "status" in parts:
            self._show_status()
        self.adjustSize()

    def _rebuild_cards(self) -> None:
        for card in self._cards:
            self.cards_box.removeWidget(card)
            card.hide()
            card.deleteLater()
        limit = 1 if self.ui.compact else self.state.deck.max_visible
        self._cards = []
        for i, suggestion in enumerate(self.state.deck.cards[:limit], start=1):
            card = SuggestionCard(suggestion, i, self.theme, self.ui.scale, self.ui.compact)
            card.acted.connect(self._act)
            self.cards_box.addWidget(card)
            self._cards.append(card)

    def _show_status(self) -> None:
        status = self.state.status
        color = TONE_COLORS[status.tone]
        text = html.escape(status.text())
        if self.ui.click_through and not self.tray_available:
            text += " · click-through off (no system tray)"
        self.status.setText(f'<span style="color:{color}">●</span> {text}')
        self.status.setAccessibleDescription(status.text())

    @property
    def cards(self) -> list[SuggestionCard]:
        return list(self._cards)

    # painting and mouse -------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        path = QPainterPath()
        radius = 12 * self.ui.scale
        path.addRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), radius, radius)
        p.fillPath(path, self.theme.qcolor("background", self.theme.panel_alpha))
        pen_width = 2 if self.theme.name == "high-contrast" else 1
        p.setPen(QPen(self.theme.qcolor("border"), pen_width))
        p.drawPath(path)
        p.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag_from = event.globalPosition().toPoint() - self.frameGeometry().topLeft()
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._drag_from is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self.move(event.globalPosition().toPoint() - self._drag_from)
            event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._drag_from is not None and event.button() == Qt.MouseButton.LeftButton:
            self._drag_from = None
            self.save_position()
            event.accept()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        if self.context_menu is not None:
            self.context_menu.popup(event.globalPos())

    # position -----------------------------------------------------------------------------
    def save_position(self) -> None:
        screen = self.screen()
        name = screen.name() if screen is not None else ""
        pos = self.pos()
        self.moved.emit(name, pos.x(), pos.y())

    def restore_position(self, positions: dict[str, list[int]]) -> None:
        """Go where the agent last put the overlay, on a screen that still exists."""
        self.adjustSize()
        size = (self.width(), self.height())
        screens = [(s.name(), _rect(s.availableGeometry())) for s in QGuiApplication.screens()]
        chosen = choose_position(positions, screens, size)
        if chosen is not None:
            self.move(chosen[1], chosen[2])
            return
        primary = QGuiApplication.primaryScreen()
        if primary is not None:
            x, y = default_position(_rect(primary.availableGeometry()), size)
            self.move(x, y)


def _mood_header(mood: MoodState) -> str:
    if mood.score is None:
        return "Customer mood"
    return f"Customer mood · {mood.label}, {mood.trend}"


def _rect(r: object) -> tuple[int, int, int, int]:
    return (r.x(), r.y(), r.width(), r.height())  # type: ignore[attr-defined]


def _greyed(color: QColor) -> QColor:
    grey = round(0.3 * color.red() + 0.59 * color.green() + 0.11 * color.blue())
    return QColor(grey, grey, grey, 150)
