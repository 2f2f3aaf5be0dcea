"""The visible suggestion cards (no Qt): stable numbers, waiting cards, and retirement.

A card keeps its number while it is visible: a new card takes the lowest free number (the
overlay lists cards by number), so the card the agent is reading never changes its number
under them. With every slot taken, a new card replaces the oldest card of lower priority, or
of equal priority once it has been visible for ``min_dwell_s``; otherwise it waits for a slot.

A card retires (leaves without feedback) when the reason it fired no longer holds:

* a mood card when that speaker's mood label changes or the mood recovers by
  ``recovered_by`` (15 points), a trend card when the trend changes;
* a silence or hold card as soon as someone speaks again;
* any other card ``ttl_s`` seconds of call time after it fired (a phrase is a moment);
* every card at the end of the call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from agent_assist.events import MoodUpdate, Speaker, Suggestion

FeedbackAction = Literal["used", "dismissed"]
SPEECH_KINDS = {"silence", "hold"}
VOICE_KINDS = {"speaking_rate", "loudness", "talk_over"}


@dataclass(frozen=True)
class Feedback:
    suggestion_id: str
    action: FeedbackAction
    at: float
    """Call time (seconds) of the last event seen when the agent acted."""


@dataclass
class Card:
    suggestion: Suggestion
    number: int
    shown_at: float
    mood_then: MoodUpdate | None = None
    """The evidence speaker's mood when the card fired."""

    @property
    def id(self) -> str:
        return self.suggestion.id

    @property
    def kind(self) -> str:
        return self.suggestion.evidence[0].kind if self.suggestion.evidence else ""

    @property
    def speaker(self) -> Speaker | None:
        return self.suggestion.evidence[0].speaker if self.suggestion.evidence else None


@dataclass
class SuggestionDeck:
    """The visible cards, in number order, at most ``max_visible``."""

    max_visible: int = 3
    min_dwell_s: float = 15.0
    ttl_s: float = 120.0
    voice_ttl_s: float = 45.0
    recovered_by: float = 0.15
    visible: list[Card] = field(default_factory=list)
    waiting: list[Suggestion] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)
    fired: list[Suggestion] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)

    @property
    def cards(self) -> list[Suggestion]:
        return [c.suggestion for c in self.visible]

    def number_of(self, suggestion_id: str) -> int | None:
        return next((c.number for c in self.visible if c.id == suggestion_id), None)

    def card_numbered(self, number: int) -> Card | None:
        return next((c for c in self.visible if c.number == number), None)

    def add(self, suggestion: Suggestion, now: float, mood: MoodUpdate | None = None) -> None:
        self.fired.append(suggestion)
        then = mood
        for card in self.visible:
            if card.id == suggestion.id:
                card.suggestion, card.shown_at, card.mood_then = suggestion, now, then
                return
        self.waiting = [s for s in self.waiting if s.id != suggestion.id]
        if len(self.visible) < self.max_visible:
            self._place(Card(suggestion, self._free_number(), now, then))
            return
        replaceable = [
            c
            for c in self.visible
            if c.suggestion.priority < suggestion.priority
            or (
                c.suggestion.priority == suggestion.priority
                and now - c.shown_at >= self.min_dwell_s
            )
        ]
        if not replaceable:
            self.waiting.append(suggestion)
            return
        oldest = min(replaceable, key=lambda c: c.shown_at)
        self.visible.remove(oldest)
        self.retired.append(oldest.id)
        self._place(Card(suggestion, oldest.number, now, then))

    def act(self, suggestion_id: str, action: FeedbackAction, at: float) -> Feedback | None:
        if not self._remove(suggestion_id):
            return None
        entry = Feedback(suggestion_id, action, at)
        self.feedback.append(entry)
        return entry

    def retire(
        self, now: float, moods: dict[Speaker, MoodUpdate | None], spoke_at: float
    ) -> list[str]:
        """Retire the cards whose reason is gone; return their ids."""
        gone = [c.id for c in self.visible if self._stale(c, now, moods, spoke_at)]
        for suggestion_id in gone:
            self._remove(suggestion_id)
            self.retired.append(suggestion_id)
        self.waiting = [s for s in self.waiting if now - s.time < self.ttl_s]
        return gone

    def retire_all(self) -> list[str]:
        """The call ended: every card goes (the review keeps them)."""
        gone = [c.id for c in self.visible]
        self.retired.extend(gone)
        self.visible.clear()
        self.waiting.clear()
        return gone

    def clear(self) -> None:
        self.visible.clear()
        self.waiting.clear()

    def _stale(
        self, card: Card, now: float, moods: dict[Speaker, MoodUpdate | None], spoke_at: float
    ) -> bool:
        kind = card.kind
        if kind in SPEECH_KINDS:
            return spoke_at > card.shown_at
        mood = moods.get(card.speaker) if card.speaker else None
        then = card.mood_then
        if kind in {"mood", "trend"} and then is not None and mood is not None:
            if kind == "trend":
                turned = mood.trend != then.trend
            else:
                turned = mood.label != then.label or mood.score >= then.score + self.recovered_by
            if turned and mood.time > card.shown_at:
                return True
        ttl = self.voice_ttl_s if kind in VOICE_KINDS else self.ttl_s
        return now - card.shown_at >= ttl

    def _free_number(self) -> int:
        taken = {c.number for c in self.visible}
        return next(n for n in range(1, self.max_visible + len(taken) + 1) if n not in taken)

    def _place(self, card: Card) -> None:
        self.visible.append(card)
        self.visible.sort(key=lambda c: c.number)

    def _remove(self, suggestion_id: str) -> bool:
        card = next((c for c in self.visible if c.id == suggestion_id), None)
        if card is None:
            return False
        self.visible.remove(card)
        self._promote(card.number)
        return True

    def _promote(self, number: int) -> None:
        if not self.waiting:
            return
        best = max(self.waiting, key=lambda s: (s.priority, s.time))
        self.waiting.remove(best)
        self._place(Card(best, number, best.time))
