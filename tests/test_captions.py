"""Caption drafts inline (fake clock) and on their own thread (fakes that block until released)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from agent_assist.captions import PARTIAL_SHARE, Captions, CaptionThread
from agent_assist.contracts import SAMPLE_RATE, SpeechInProgress, Transcription
from agent_assist.events import Speaker, TranscriptPartial
from tests.live.helpers import GrowingTranscriber, ManualClock

WAIT_S = 10.0
"""Generous bound for a thread handing something over; a test that hits it has failed."""


def progress(start: float, seconds: float, role: Speaker = "customer") -> SpeechInProgress:
    audio = np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)
    return SpeechInProgress(role, start, start + seconds, audio)


class GatedTranscriber:
    """``GrowingTranscriber`` that waits for ``release`` before each draft it decodes."""

    def __init__(self) -> None:
        self.inner = GrowingTranscriber()
        self.started = threading.Semaphore(0)
        self.gate = threading.Semaphore(0)
        self.seconds: list[float] = []
        self.fail_next = False

    def transcribe(self, audio: np.ndarray) -> Transcription:
        self.seconds.append(len(audio) / SAMPLE_RATE)
        self.started.release()
        assert self.gate.acquire(timeout=WAIT_S), "draft never released"
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("decoder broke")
        return self.inner.transcribe(audio)

    def release(self) -> None:
        self.gate.release()

    def wait_started(self) -> None:
        assert self.started.acquire(timeout=WAIT_S), "no draft started"


class Received:
    def __init__(self) -> None:
        self.partials: list[TranscriptPartial] = []
        self.arrived = threading.Semaphore(0)

    def __call__(self, partial: TranscriptPartial) -> None:
        self.partials.append(partial)
        self.arrived.release()

    def wait(self) -> TranscriptPartial:
        assert self.arrived.acquire(timeout=WAIT_S), "no partial delivered"
        return self.partials[-1]


@pytest.fixture
def gated() -> Iterator[tuple[CaptionThread, GatedTranscriber, Received]]:
    transcriber, received = GatedTranscriber(), Received()
    captions = CaptionThread(transcriber, received, time.monotonic)
    yield captions, transcriber, received
    for _ in range(4):
        transcriber.release()  # let a draft still waiting finish, so close() returns
    captions.close()


def test_inline_drafts_are_spaced_to_their_share_of_the_time() -> None:
    clock = ManualClock()
    received = Received()
    captions = Captions(GrowingTranscriber(clock=clock, cost=0.2), received, clock)
    captions.update(progress(0.0, 1.0))
    assert received.partials[-1].text == "hello I am calling"
    captions.update(progress(0.0, 1.1))  # 0.2 s decode: the next may start 0.2 s later
    assert captions.stats.skipped == 1
    clock.advance(0.2 * (1 / PARTIAL_SHARE - 1))
    captions.update(progress(0.0, 1.5))
    assert captions.stats.decodes == 2
    assert received.partials[-1].stable_text == "hello I am calling"


def test_inline_reset_starts_the_next_utterance_from_scratch() -> None:
    received = Received()
    captions = Captions(GrowingTranscriber(), received, ManualClock())
    captions.update(progress(0.0, 1.0))
    captions.update(progress(0.0, 1.5))
    assert received.partials[-1].stable_text == "hello I am calling"
    captions.reset("customer")
    captions.update(progress(0.0, 1.0))  # same start, but a new utterance
    assert received.partials[-1].stable_text == ""


def test_update_never_waits_for_a_draft_in_progress(gated) -> None:  # noqa: ANN001
    captions, transcriber, received = gated
    captions.update(progress(0.0, 1.0))
    transcriber.wait_started()
    captions.update(progress(0.0, 1.5))  # returns while the first draft is still blocked
    captions.reset("agent")
    transcriber.release()
    assert received.wait().text == "hello I am calling"
    transcriber.wait_started()
    transcriber.release()
    assert received.wait().text == "hello I am calling about my"


def test_only_the_newest_waiting_audio_is_decoded(gated) -> None:  # noqa: ANN001
    captions, transcriber, received = gated
    captions.update(progress(0.0, 1.0))
    transcriber.wait_started()
    captions.update(progress(0.0, 1.5))
    captions.update(progress(0.0, 2.0))
    transcriber.release()
    received.wait()
    transcriber.wait_started()
    transcriber.release()
    received.wait()
    assert transcriber.seconds == [1.0, 2.0]
    assert captions.stats.skipped == 1


def test_a_draft_of_an_utterance_that_ended_is_not_delivered(gated) -> None:  # noqa: ANN001
    captions, transcriber, received = gated
    captions.update(progress(0.0, 1.0))
    transcriber.wait_started()
    captions.update(progress(0.0, 1.5))
    captions.reset("customer")  # the final transcript is out: drop the draft and the waiting one
    transcriber.release()
    captions.update(progress(3.0, 0.5))
    transcriber.wait_started()
    transcriber.release()
    partial = received.wait()
    assert (partial.start, partial.text) == (3.0, "hello I")
    assert len(received.partials) == 1
    assert transcriber.seconds == [1.0, 0.5]


def test_speakers_are_captioned_apart(gated) -> None:  # noqa: ANN001
    captions, transcriber, received = gated
    captions.update(progress(0.0, 1.0, "customer"))
    transcriber.wait_started()
    captions.update(progress(0.2, 0.5, "agent"))
    captions.reset("customer")
    transcriber.release()
    transcriber.wait_started()
    transcriber.release()
    partial = received.wait()
    assert (partial.speaker, partial.text) == ("agent", "hello I")
    assert len(received.partials) == 1


def test_a_failed_draft_costs_that_draft_only(gated) -> None:  # noqa: ANN001
    captions, transcriber, received = gated
    transcriber.fail_next = True
    captions.update(progress(0.0, 1.0))
    transcriber.wait_started()
    transcriber.release()
    captions.update(progress(0.0, 1.5))
    transcriber.wait_started()
    transcriber.release()
    assert received.wait().text == "hello I am calling about my"
    assert captions.stats.faults == 1


def test_close_stops_the_thread_and_later_requests_are_ignored() -> None:
    received = Received()
    captions = CaptionThread(GrowingTranscriber(), received, time.monotonic)
    captions.update(progress(0.0, 1.0))
    assert received.wait().text == "hello I am calling"
    captions.close()
    assert not captions._thread.is_alive()
    captions.update(progress(0.0, 1.5))
    assert len(received.partials) == 1
