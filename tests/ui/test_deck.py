"""The suggestion deck: stable card numbers, waiting cards, retirement."""

from __future__ import annotations

import dataclasses

from agent_assist.events import Evidence, MoodUpdate, Suggestion
from agent_assist.ui.deck import SuggestionDeck
from agent_assist.ui.viewmodels import OverlayState
from tests.ui import scenario


def card(id: str, time: float, priority: int = 1, kind: str = "phrase") -> Suggestion:
    return Suggestion(id, id.title(), "p", priority, time, (Evidence(kind, "d", time, "customer"),))


def numbers(deck: SuggestionDeck) -> list[tuple[int, str]]:
    return [(c.number, c.id) for c in deck.visible]


def test_new_cards_take_the_free_number_and_never_renumber_others() -> None:
    deck = SuggestionDeck(max_visible=3)
    for i, name in enumerate(("a", "b", "c")):
        deck.add(card(name, float(i)), float(i))
    assert numbers(deck) == [(1, "a"), (2, "b"), (3, "c")]
    deck.act("a", "used", 5.0)
    assert numbers(deck) == [(2, "b"), (3, "c")]
    deck.add(card("d", 6.0), 6.0)
    assert numbers(deck) == [(1, "d"), (2, "b"), (3, "c")]
    deck.add(card("b", 7.0), 7.0)
    assert numbers(deck) == [(1, "d"), (2, "b"), (3, "c")], "a repeat updates in place"


def test_full_deck_waits_unless_older_or_less_urgent() -> None:
    deck = SuggestionDeck(max_visible=2, min_dwell_s=15.0)
    deck.add(card("a", 0.0), 0.0)
    deck.add(card("b", 1.0), 1.0)
    deck.add(card("c", 5.0), 5.0)
    assert numbers(deck) == [(1, "a"), (2, "b")] and [s.id for s in deck.waiting] == ["c"]
    deck.add(card("urgent", 6.0, priority=9), 6.0)
    assert numbers(deck) == [(1, "urgent"), (2, "b")], "the oldest less urgent card gives way"
    deck.act("b", "dismissed", 7.0)
    assert numbers(deck) == [(1, "urgent"), (2, "c")], "a waiting card fills the free number"
    deck.add(card("d", 30.0), 30.0)
    assert numbers(deck) == [(1, "urgent"), (2, "d")], "equal priority replaces after the dwell"


def test_cards_retire_when_their_reason_is_gone_and_at_call_end() -> None:
    state = OverlayState(3)
    dropping = dataclasses.replace(
        scenario.EMPATHY, evidence=(Evidence("trend", "mood -0.55 falling", 24.0, "customer"),)
    )
    dead_air = card("dead-air", 30.0, kind="silence")
    for event in (
        scenario.mood(23.5, -0.55, "falling"),
        dropping,
        scenario.REPEAT,
        dead_air,
    ):
        state.apply(event)
    assert {c.id for c in state.deck.visible} == {dropping.id, scenario.REPEAT.id, "dead-air"}
    state.apply(scenario.line("agent", 31.0, 33.0, "I'm checking that for you now."))
    assert "dead-air" not in {c.id for c in state.deck.visible}, "someone spoke"
    state.apply(MoodUpdate("customer", 40.0, -0.05, "rising", False, "neutral"))
    assert [c.id for c in state.deck.visible] == [scenario.REPEAT.id], "the mood turned"
    assert state.take_retiring() == ["dead-air", dropping.id]
    state.apply(scenario.full_call()[-1])
    assert state.deck.visible == [] and state.take_retiring() == [scenario.REPEAT.id]
    assert len(state.deck.fired) == 3, "what fired is kept for the review"


def test_a_mood_card_retires_when_the_mood_recovers_within_its_label() -> None:
    state = OverlayState(3)
    upset = Suggestion(
        "very-upset",
        "Very upset",
        "p",
        50,
        24.0,
        (Evidence("mood", "mood -0.55", 24.0, "customer"),),
    )
    state.apply(scenario.mood(24.0, -0.55, "falling"))
    state.apply(upset)
    state.apply(scenario.mood(30.0, -0.45, "steady"))
    assert [c.id for c in state.deck.visible] == ["very-upset"], "still about as upset"
    state.apply(scenario.mood(36.0, -0.37, "rising"))
    assert state.deck.visible == [], "-37 is still 'negative' but 18 points better"
