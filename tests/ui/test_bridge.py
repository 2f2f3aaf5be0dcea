"""Events from a worker thread arrive on the GUI thread, in order, with the run they belong to."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from agent_assist.events import Event, MoodUpdate, PipelineStatus
from agent_assist.ui.bridge import EventBridge
from tests.ui import scenario


def test_events_cross_to_the_gui_thread_in_order(qtbot: QtBot) -> None:
    bridge = EventBridge()
    events = scenario.full_call()
    received: list[tuple[Event, int]] = []
    bridge.received.connect(lambda e, _: received.append((e, threading.get_ident())))

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


def test_each_event_keeps_the_run_it_was_posted_for(qtbot: QtBot) -> None:
    bridge = EventBridge()
    received: list[tuple[Event, int | None]] = []
    bridge.received.connect(lambda e, run: received.append((e, run)))
    status, mood = PipelineStatus("listening", "ok"), MoodUpdate("customer", 1.0, 0.2, "up", False)
    threading.Thread(target=bridge.post, args=(status, 3)).start()
    qtbot.waitUntil(lambda: len(received) == 1)
    bridge.post(mood)
    qtbot.waitUntil(lambda: len(received) == 2)
    assert received == [(status, 3), (mood, None)]


def test_post_from_the_gui_thread_is_queued_not_reentrant(qtbot: QtBot) -> None:
    bridge = EventBridge()
    got: list[Event] = []
    bridge.received.connect(lambda event, _: got.append(event))
    bridge.post(MoodUpdate("agent", 2.0, 0.0, "steady", False))
    assert got == []
    qtbot.waitUntil(lambda: len(got) == 1)
