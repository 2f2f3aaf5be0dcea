"""The floating overlay: mood meter, sparkline, captions, suggestion cards and status line.

Its height is recomputed from the labels' height-for-width on every change (cards, captions,
compact, theme, scale, screen) and kept within the screen's available area; when the screen
is too short, lower cards collapse to their title (hovering or focusing one expands it).
"""

from __future__ import annotations

import html
import logging

from PySide6.QtCore import QPoint, QPropertyAnimation, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QGuiApplication,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QScreen,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QGraphicsOpacityEffect,
    QLabel,
    QLayout,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from agent_assist.config import UiConfig
from agent_assist.events import Event
from agent_assist.ui import theme as themes
from agent_assist.ui.viewmodels import (
    FeedbackAction,
    MoodState,
    OverlayState,
    Part,
    choose_position,
    default_position,
    mood_words,
)
from agent_assist.ui.widgets import (
    UNCERTAIN_HINT,
    CaptionLine,
    MoodMeter,
    Sparkline,
    SuggestionCard,
)

log = logging.getLogger(__name__)

TONE_COLORS = {
    "ok": "#27ae60",
    "busy": "#f0a500",
    "warn": "#f0a500",
    "error": "#e74c3c",
    "idle": "#8a94a0",
}
TONE_MARKS = {"ok": "●", "busy": "◐", "warn": "▲", "error": "■", "idle": "○"}
BASE_WIDTH = 380
SCALE = "(−100…+100)"
FADE_MS = 600
KEY_HINT = "Keys: 1–{n} used · Ctrl+1–{n} dismiss · Tab move · C compact · Esc leave"
__all__ = ["UNCERTAIN_HINT", "Overlay", "available_area"]


def available_area(widget: QWidget) -> QRect:
    """The free area of the screen the overlay is on (without panels and docks)."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 720)


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
        self.on_top = True
        self.theme = themes.theme(ui.theme)
        self.context_menu: QMenu | None = None
        self._drag_from: QPoint | None = None
        self._cards: dict[str, SuggestionCard] = {}
        self._fading: dict[SuggestionCard, QPropertyAnimation] = {}
        self._pinned: str | None = None
        self._watched: QScreen | None = None
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
        self.root.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.header = QLabel(_mood_header(self.state.customer))
        self.header.setObjectName("dim")
        self.header.setWordWrap(True)
        self.meter = MoodMeter(self.theme, self.ui.scale)
        self.hint = QLabel(UNCERTAIN_HINT)
        self.hint.setObjectName("hint")
        self.hint.setAccessibleName("Mood hint")
        self.hint.hide()
        self.sparkline = Sparkline(self.theme, self.ui.scale)
        self.customer = CaptionLine("customer", self.theme, self.ui.scale)
        self.agent = CaptionLine("agent", self.theme, self.ui.scale)
        self.cards_box = QVBoxLayout()
        self.keys = QLabel()
        self.keys.setObjectName("dim")
        self.keys.setWordWrap(True)
        self.keys.setAccessibleName("Keyboard keys")
        self.keys.hide()
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
        self.root.addWidget(self.keys)
        self.root.addWidget(self.status)

    def _apply_flags(self) -> None:
        flags = Qt.WindowType.FramelessWindowHint
        # In keyboard mode the overlay is an ordinary window: focusable and in Alt+Tab.
        flags |= Qt.WindowType.Window if self.keyboard_mode else Qt.WindowType.Tool
        if self.on_top:
            flags |= Qt.WindowType.WindowStaysOnTopHint
        if not self.keyboard_mode:
            flags |= Qt.WindowType.WindowDoesNotAcceptFocus
        if self.click_through_active:
            flags |= Qt.WindowType.WindowTransparentForInput
        if flags == self.windowFlags():
            return
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
        for label in (self.header, self.hint, self.status, self.keys):
            label.setFont(themes.scaled_font(ui.scale, 0.9))
        pad = round(12 * ui.scale)
        self.root.setContentsMargins(pad, pad, pad, pad)
        self.root.setSpacing(round(6 * ui.scale))
        self.setStyleSheet(self._stylesheet())
        self.setWindowOpacity(ui.opacity)
        self.setFixedWidth(round(BASE_WIDTH * ui.scale * (0.8 if ui.compact else 1.0)))
        if flags_changed:
            self._apply_flags()
        self._drop_all_cards()
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

    def set_on_top(self, on: bool) -> None:
        """Drop always-on-top while the app's own windows (settings, review) are open."""
        if on != self.on_top:
            self.on_top = on
            self._apply_flags()

    def set_keyboard_mode(self, on: bool) -> None:
        """Let the overlay take keyboard focus (Tab through its buttons) until Esc."""
        if on == self.keyboard_mode:
            if on:
                self._take_focus(0)
            return
        self.keyboard_mode = on
        self._apply_flags()
        self.keys.setVisible(on)
        self._relayout()
        if on:
            self._take_focus(0)

    def _take_focus(self, index: int) -> None:
        self.show()
        self.raise_()
        self.activateWindow()
        cards = self.cards
        if cards:
            cards[min(index, len(cards) - 1)].used.setFocus(Qt.FocusReason.ShortcutFocusReason)
        else:
            self.setFocus(Qt.FocusReason.ShortcutFocusReason)

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
        """Act on the card numbered ``index + 1`` (the number on the card, not its row)."""
        card = self.state.deck.card_numbered(index + 1)
        if card is not None and card.id in self._cards:
            self._act(card.id, action)

    def _act(self, suggestion_id: str, action: str) -> None:
        chosen: FeedbackAction = "used" if action == "used" else "dismissed"
        row = next((i for i, c in enumerate(self.cards) if c.suggestion.id == suggestion_id), 0)
        if self.state.act(suggestion_id, chosen) is not None:
            if self._pinned == suggestion_id:
                self._pinned = None
            self.feedback.emit(suggestion_id, chosen)
            self._refresh({"cards"})
            if self.keyboard_mode:
                self._take_focus(row)

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
            self._sync_cards()
        if "status" in parts:
            self._show_status()
        self._relayout()

    # cards --------------------------------------------------------------------------------
    def _sync_cards(self) -> None:
        """Match the card widgets to the deck: keep, update, add, fade out, in number order."""
        retiring = set(self.state.take_retiring())
        limit = 1 if self.ui.compact else self.state.deck.max_visible
        wanted = self.state.deck.visible[:limit]
        ids = {c.id for c in wanted}
        for suggestion_id, card in list(self._cards.items()):
            if suggestion_id not in ids:
                del self._cards[suggestion_id]
                if suggestion_id in retiring and self.isVisible():
                    self._fade_out(card)
                else:
                    self._drop(card)
        for entry in wanted:
            existing = self._cards.get(entry.id)
            if existing is None:
                card = SuggestionCard(
                    entry.suggestion, entry.number, self.theme, self.ui.scale, self.ui.compact
                )
                card.acted.connect(self._act)
                card.pinned.connect(self._pin)
                self._cards[entry.id] = card
            elif existing.suggestion != entry.suggestion or existing.number != entry.number:
                existing.show_suggestion(entry.suggestion, entry.number)
        order = [*self._cards.values(), *self._fading]
        order.sort(key=lambda c: (c.number, c not in self._fading))
        for index, card in enumerate(order):
            if self.cards_box.indexOf(card) != index:
                self.cards_box.insertWidget(index, card)
            card.show()

    def _fade_out(self, card: SuggestionCard) -> None:
        effect = QGraphicsOpacityEffect(card)
        card.setGraphicsEffect(effect)
        for button in (card.used, card.dismiss):
            button.setEnabled(False)
        fade = QPropertyAnimation(effect, b"opacity", card)
        fade.setDuration(FADE_MS)
        fade.setStartValue(1.0)
        fade.setEndValue(0.0)
        fade.finished.connect(lambda: self._faded(card))
        self._fading[card] = fade
        fade.start()

    def _faded(self, card: SuggestionCard) -> None:
        if self._fading.pop(card, None) is not None:
            self._drop(card)
            self._relayout()

    def _drop(self, card: SuggestionCard) -> None:
        self.cards_box.removeWidget(card)
        card.hide()
        card.deleteLater()

    def _drop_all_cards(self) -> None:
        for card in [*self._cards.values(), *self._fading]:
            self._drop(card)
        self._cards.clear()
        self._fading.clear()

    def _pin(self, suggestion_id: str, on: bool) -> None:
        if on:
            self._pinned = suggestion_id
        elif self._pinned == suggestion_id:
            self._pinned = None
        QTimer.singleShot(0, self._relayout)

    @property
    def cards(self) -> list[SuggestionCard]:
        """The live cards (not the fading ones), in number order."""
        return sorted(self._cards.values(), key=lambda c: c.number)

    # layout and position ------------------------------------------------------------------
    def _relayout(self) -> None:
        """Height from the content's height-for-width, at most the screen's free height;
        lower cards collapse to their title first (not the pinned one)."""
        area = available_area(self)
        for card in self.cards:
            card.set_collapsed(False)
        need = self._needed_height()
        for card in reversed(self.cards):
            if need <= area.height():
                break
            if card.suggestion.id != self._pinned:
                card.set_collapsed(True)
                need = self._needed_height()
        height = min(need, area.height())
        if height != self.height():
            self.resize(self.width(), height)
        self.root.activate()
        self.keep_on_screen()

    def _needed_height(self) -> int:
        for card in [*self._cards.values(), *self._fading]:
            card.invalidate()
        self.cards_box.invalidate()
        self.root.invalidate()
        return max(
            self.root.totalHeightForWidth(self.width()), self.root.totalMinimumSize().height()
        )

    def keep_on_screen(self) -> None:
        """Move the overlay back inside the available area of its screen if it sticks out."""
        area = available_area(self)
        x = min(max(self.x(), area.left()), area.left() + max(0, area.width() - self.width()))
        y = min(max(self.y(), area.top()), area.top() + max(0, area.height() - self.height()))
        if (x, y) != (self.x(), self.y()):
            self.move(x, y)

    def _show_status(self) -> None:
        status = self.state.status
        color = TONE_COLORS[status.tone]
        text = html.escape(status.text())
        if self.ui.click_through and not self.tray_available:
            text += " · click-through off (no system tray)"
        mark = TONE_MARKS[status.tone]
        self.status.setText(f'<span style="color:{color}">{mark}</span> {text}')
        self.status.setAccessibleDescription(status.text())
        self.keys.setText(KEY_HINT.format(n=self.state.deck.max_visible))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        handle = self.windowHandle()
        if handle is not None:
            handle.screenChanged.connect(self._watch_screen, Qt.ConnectionType.UniqueConnection)
        self._watch_screen(self.screen())
        self._relayout()

    def _watch_screen(self, screen: QScreen | None) -> None:
        if screen is None or screen is self._watched:
            return
        if self._watched is not None:
            self._watched.availableGeometryChanged.disconnect(self._relayout)
        self._watched = screen
        screen.availableGeometryChanged.connect(self._relayout)
        self._relayout()

    # painting and mouse -------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        path = QPainterPath()
        radius = 12 * self.ui.scale
        path.addRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), radius, radius)
        p.fillPath(path, self.theme.qcolor("background", self.theme.panel_alpha))
        pen_width = 2 if self.theme.name == "high-contrast" or self.keyboard_mode else 1
        border = "accent" if self.keyboard_mode else "border"
        p.setPen(QPen(self.theme.qcolor(border), pen_width))
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
            self.keep_on_screen()
            self.save_position()
            event.accept()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        if self.context_menu is not None:
            self.context_menu.popup(event.globalPos())

    def save_position(self) -> None:
        screen = self.screen()
        name = screen.name() if screen is not None else ""
        pos = self.pos()
        self.moved.emit(name, pos.x(), pos.y())

    def restore_position(self, positions: dict[str, list[int]]) -> None:
        """Go where the agent last put the overlay, on a screen that still exists."""
        self._relayout()
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
    """The meter's scale and its reading in words: 'Customer mood (−100…+100) · upset, falling'."""
    if mood.score is None:
        return f"Customer mood {SCALE}"
    return f"Customer mood {SCALE} · {mood_words(mood.score)}, {mood.trend}"


def _rect(r: object) -> tuple[int, int, int, int]:
    return (r.x(), r.y(), r.width(), r.height())  # type: ignore[attr-defined]
