"""core.speech: decode scheduling of the file policy (packs) does not depend on block sizes."""

from __future__ import annotations

import numpy as np

from agent_assist.contracts import SAMPLE_RATE, Transcription
from agent_assist.core import CallSession, policy_for
from agent_assist.events import TranscriptFinal
from tests.live.helpers import (
    Collector,
    GrowingTranscriber,
    fake_models,
    fast_config,
    speech_pattern,
)


class PackingTranscriber(GrowingTranscriber):
    """Packs like Whisper (``transcribe_many``); records the start of each pack's utterances."""

    def __init__(self) -> None:
        super().__init__()
        self.packs: list[int] = []

    def transcribe_many(self, utterances: list[np.ndarray]) -> list[Transcription]:
        self.packs.append(len(utterances))
        return [self.transcribe(u) for u in utterances]


def packs(audio: np.ndarray, block_s: float) -> tuple[list[int], list[float]]:
    transcriber = PackingTranscriber()
    config = fast_config()
    events = Collector()
    session = CallSession(
        fake_models(transcriber), config, policy_for(config, live=False), events, roles=["agent"]
    )
    step = int(block_s * SAMPLE_RATE)
    for begin in range(0, len(audio), step):
        session.feed("agent", audio[begin : begin + step])
    session.finish()
    return transcriber.packs, [f.start for f in events.of(TranscriptFinal)]


def test_a_pack_holds_the_same_utterances_whatever_the_block_size() -> None:
    # Short utterances 12 s apart: a minute's hold, not the 28 s window, closes each pack; one
    # utterance starts right at the end of the hold.
    audio = speech_pattern(*[part for _ in range(16) for part in (("-", 10.8), ("s", 1.2))])
    runs = [packs(audio, block_s) for block_s in (0.1, 1.0, 3.0, 8.0, 40.0)]
    assert all(run == runs[0] for run in runs), runs
    sizes, starts = runs[0]
    assert sum(sizes) == len(starts) == 16 and len(sizes) >= 3
    assert starts == sorted(starts)
