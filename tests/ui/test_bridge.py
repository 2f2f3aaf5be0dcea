"""Events from a worker thread arrive as typed signals on the GUI thread, in order."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from agent_assist.events import (
    CallSummary,
    Event,
    Latency,
    MoodUpdate,
    PipelineStatus,
    VoiceCues,
)
from agent_assist.ui.bridge import EventBridge
from tests.ui import scenario


def test_events_cross_to_the_gui_thread_in_order(qtbot: QtBot) -> None:
    bridge = EventBridge()
    events = scenario.full_call()
    received: list[tuple[Event, int]] = []
    bridge.received.connect(lambda e: received.append((e, threading.get_ident())))

    def produce() -> None:
        for event in events:
            bridge.post(event)

    worker = threading.Thread(target=produce)
    worker.start()
    qtbot.waitUntil(lambda: len(received) == len(events))
    worker.join()
    assert [e for e, _ in received] == events
    assert {ident for _, ident in received} == {threading.get_ident()}
    assert worker.ident != threading.get_ident()


def test_each_event_type_has_its_signal(qtbot: QtBot) -> None:
    bridge = EventBridge()
    samples: dict[str, Event] = {
        "partial": scenario.calm()[-1],
        "transcript": scenario.line("customer", 0, 1, "hello"),
        "mood": MoodUpdate("customer", 1.0, 0.2, "rising", False),
        "suggestion": scenario.REPEAT,
        "cues": VoiceCues("customer", 1.0, words_per_minute=180.0),
        "latency": Latency("customer", 1.0, 0.7, 0.4, 0.5, 0.55),
        "status": PipelineStatus("listening", "ok"),
        "summary": next(e for e in scenario.full_call() if isinstance(e, CallSummary)),
    }
    for name, event in samples.items():
        signal = getattr(bridge, name)
        with qtbot.waitSignal(signal, timeout=2000) as blocker:
            threading.Thread(target=bridge.post, args=(event,)).start()
        assert blocker.args == [event]


def test_post_from_the_gui_thread_is_queued_not_reentrant(qtbot: QtBot) -> None:
    bridge = EventBridge()
    got: list[Event] = []
    bridge.mood.connect(got.append)
    bridge.post(MoodUpdate("agent", 2.0, 0.0, "steady", False))
    assert got == []
    qtbot.waitUntil(lambda: len(got) == 1)
