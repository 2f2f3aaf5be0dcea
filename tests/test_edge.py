"""The output edge: one redaction per event, fed to every sink; a fresh per-call state."""

from __future__ import annotations

import pytest

from agent_assist.config import Config
from agent_assist.edge import OutputEdge
from agent_assist.events import Event, TranscriptFinal
from agent_assist.redact import CallRedactor, Redactor


def said(text: str, start: float, speaker: str = "customer") -> TranscriptFinal:
    return TranscriptFinal(speaker, start, start + 1.0, text, 0.9)  # type: ignore[arg-type]


PIECES = [
    said("my order is ORD-12345678, card number please", 0.0, "agent"),
    said("4111", 2.0),
    said("12 34", 4.0),
]


def texts(events: list[Event]) -> list[str]:
    return [e.text for e in events if isinstance(e, TranscriptFinal)]


def test_every_sink_gets_the_one_redacted_event(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Event] = []
    original = CallRedactor.event

    def counted(self: CallRedactor, event: Event) -> Event:
        calls.append(event)
        return original(self, event)

    monkeypatch.setattr(CallRedactor, "event", counted)
    a: list[Event] = []
    b: list[Event] = []
    raw: list[Event] = []
    edge = OutputEdge(Redactor(["ORD-[0-9]+"]), [a.append, b.append], [raw.append])
    edge.pass_all(PIECES)
    assert calls == PIECES  # one redaction per event, for three sinks
    assert all(x is y for x, y in zip(a, b, strict=True))
    assert raw == PIECES
    assert texts(a) == [
        "my order is ORD-12345678, card number please",
        "[NUMBER]",
        "[NUMBER]",
    ]


def test_a_new_call_does_not_inherit_the_last_calls_context() -> None:
    out: list[Event] = []
    edge = OutputEdge(Redactor(), [out.append])
    edge(said("what's your card number?", 0.0, "agent"))
    edge.new_call()
    edge(said("room 12 please", 1.0))
    assert texts(out)[-1] == "room 12 please"
    same_call = OutputEdge(Redactor())
    same_call(said("what's your card number?", 0.0, "agent"))
    assert texts([same_call(said("room 12 please", 1.0))]) == ["room [NUMBER] please"]


def test_from_config_follows_redact_outputs_unless_told() -> None:
    keep = Config.model_validate({"privacy": {"redact_keep": ["ORD-[0-9]+"]}})
    plain = Config.model_validate({"privacy": {"redact_outputs": False}})
    assert OutputEdge.from_config(keep).redacts
    assert not OutputEdge.from_config(plain).redacts
    assert OutputEdge.from_config(plain, redact=True).redacts
    event = said("order ORD-12345678, card 4111 1111 1111 1111", 0.0)
    assert texts([OutputEdge.from_config(keep)(event)]) == ["order ORD-12345678, card [CARD]"]
    assert texts([OutputEdge.from_config(plain)(event)]) == [event.text]
