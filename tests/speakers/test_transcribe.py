"""A mono call's regions transcribed while the diarizer reads on; words given to speakers."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from agent_assist.config import VadConfig
from agent_assist.contracts import Transcription
from agent_assist.events import Word
from agent_assist.speakers import transcribe as module
from agent_assist.speakers.diarize import Diarizer, Region
from agent_assist.speakers.transcribe import (
    Part,
    Span,
    _Pieces,
    by_speaker,
    diarize_and_transcribe,
    speaker_spans,
)
from agent_assist.speakers.turns import Turn
from tests.speakers.test_diarize import VOICES, ToneEmbedder, energy_vad, gap, tone

RATE = 16_000
VAD = VadConfig(pre_roll_ms=300, tail_ms=150, hangover_ms=400, max_utterance_s=15.0)


def result(*words: tuple[float, float, str]) -> Transcription:
    found = tuple(Word(a, b, text, 0.8) for a, b, text in words)
    return Transcription(" ".join(w.text for w in found), found, 0.8, 0.01, -0.2, 1.3, True)


def test_pieces_join_close_regions_as_a_one_role_call_does_and_never_overlap() -> None:
    pieces = _Pieces(60.0, VAD)
    pieces.add([Region(1.0, 3.0, False), Region(3.3, 5.0, False)], horizon=5.2)
    assert pieces.all == []  # a region starting before 5.4 would still join
    pieces.add([], horizon=5.5)
    pieces.add([Region(6.0, 8.0, False), Region(10.0, 25.0, True)], horizon=25.0)
    pieces.add([Region(25.0, 27.0, False), Region(27.2, 30.0, False)], horizon=45.0)
    pieces.add([Region(30.5, 40.0, False), Region(40.2, 47.0, False)], horizon=float("inf"))

    assert [(round(p.start, 2), round(p.end, 2)) for p in pieces.all] == [
        (0.7, 5.15),  # 0.3 s apart: one piece, with the pre-roll and the tail
        (5.7, 8.15),
        (9.7, 25.0),  # cut while the speech went on: no tail, and not joined to what follows
        (25.0, 30.15),
        (30.2, 40.15),  # joined it would pass 15 s
        (40.15, 47.15),  # starts where the last one ended: no audio twice
    ]


def test_a_piece_in_one_turn_keeps_its_result() -> None:
    decoded = result((0.5, 1.0, "hello"))

    assert by_speaker(Span(10.0, 12.0), decoded, [Turn(10.2, 11.8, 1)]) == [
        Part(1, 10.0, 12.0, decoded)
    ]


def test_a_change_of_speaker_inside_a_piece_splits_its_words_there() -> None:
    decoded = result((0.5, 1.0, "hello"), (3.5, 3.9, "there."), (4.3, 4.5, "I"), (5.0, 5.4, "want"))
    turns = [Turn(9.9, 14.0, 0), Turn(14.4, 19.8, 1), Turn(21.0, 23.0, 0)]

    first, second = by_speaker(Span(10.0, 20.0), decoded, turns)

    assert (first.speaker, first.start, first.end) == (0, 10.0, pytest.approx(14.2))
    assert first.result.text == "hello there."
    assert [w.start for w in first.result.words] == [0.5, 3.5]
    assert (second.speaker, second.start, second.end) == (1, pytest.approx(14.2), 20.0)
    assert second.result.text == "I want"
    assert [round(w.start, 2) for w in second.result.words] == [0.1, 0.8]  # from its own start
    assert second.result.reliable and second.result.confidence == pytest.approx(0.8)


def test_a_piece_no_turn_overlaps_takes_the_nearest_speaker() -> None:
    turns = [Turn(1.0, 2.0, 0), Turn(8.0, 9.0, 1)]

    assert speaker_spans(Span(6.5, 7.0), turns) == [(1, 6.5, 7.0)]
    assert speaker_spans(Span(6.5, 7.0), []) == [(0, 6.5, 7.0)]


class ToneWords:
    """A fake transcriber: one word per 0.5 s of tone, naming the voice it hears (A, B, C)."""

    def __init__(self) -> None:
        self.threads: set[str] = set()
        self.calls = 0

    def transcribe(self, audio: np.ndarray) -> Transcription:
        self.threads.add(threading.current_thread().name)
        self.calls += 1
        words = []
        for start in range(0, len(audio) - RATE // 4, RATE // 2):
            piece = audio[start : start + RATE // 2]
            if np.sqrt(np.mean(np.square(piece))) < 0.02:
                continue
            spectrum = np.abs(np.fft.rfft(piece))
            freqs = np.fft.rfftfreq(len(piece), 1 / RATE)
            voice = int(np.argmax([spectrum[np.abs(freqs - f) < 30].sum() for f in VOICES]))
            words.append(Word(start / RATE, start / RATE + 0.4, "ABC"[voice], 0.9))
        return Transcription(
            " ".join(w.text for w in words), tuple(words), 0.9, 0.0, -0.1, 1.0, True
        )


def run(audio: np.ndarray, transcriber: ToneWords, block: int = 4000) -> tuple[object, list[Part]]:
    blocks = (audio[i : i + block] for i in range(0, len(audio), block))
    diarizer = Diarizer(ToneEmbedder(), energy_vad, VadConfig(threshold=0.5))
    return diarize_and_transcribe(blocks, len(audio) / RATE, diarizer, transcriber, VAD)


def test_each_speaker_gets_the_words_of_their_voice_decoded_on_the_worker() -> None:
    audio = np.concatenate(
        [gap(0.5), tone(1, 3.0), gap(0.7), tone(0, 2.5), tone(1, 2.0), gap(1.0), tone(0, 2.0)]
    )  # the second change of voice has no pause between
    words = ToneWords()

    found, parts = run(audio, words)

    assert [t.speaker for t in found.turns] == [0, 1, 0, 1]  # type: ignore[attr-defined]
    spoken: dict[int, set[str]] = {0: set(), 1: set()}
    for part in parts:
        spoken[part.speaker] |= set(part.result.text.split())
    assert spoken == {0: {"B"}, 1: {"A"}}
    assert words.threads == {"mono-asr_0"}
    assert all(a.end <= b.start for a, b in zip(parts, parts[1:], strict=False))
    assert [(p.start, p.end) for p in run(audio, ToneWords(), block=1234)[1]] == [
        (p.start, p.end) for p in parts
    ]


def test_a_long_call_holds_little_audio_and_few_windows_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    turns = [np.concatenate([tone(i % 2, 6.0), gap(0.8)]) for i in range(120)]  # 14 minutes
    audio = np.concatenate(turns)
    held: list[int] = []
    waiting: list[int] = []
    push, submit = module._Recent.push, module._Decoder._submit

    def pushed(self: module._Recent, samples: np.ndarray) -> None:
        push(self, samples)
        held.append(len(self._buffer))

    def submitted(self: module._Decoder) -> None:
        submit(self)
        waiting.append(len(self._futures))

    monkeypatch.setattr(module._Recent, "push", pushed)
    monkeypatch.setattr(module._Decoder, "_submit", submitted)

    found, parts = run(audio, ToneWords())

    assert len(parts) == 120 and found.count == 2  # type: ignore[attr-defined]
    assert max(held) < 8 * RATE  # one turn and a block, never the call
    assert max(waiting) <= module.AHEAD


def test_the_last_window_decodes_while_the_last_voices_are_embedded() -> None:
    decoding = threading.Event()
    overlapped: list[bool] = []

    class SlowWords(ToneWords):
        def transcribe(self, audio: np.ndarray) -> Transcription:
            decoding.set()
            return super().transcribe(audio)

    class WaitingEmbedder(ToneEmbedder):
        def embed_windows(
            self, audio: np.ndarray, sr: int, window_s: float = 1.6, step_s: float = 0.4
        ) -> tuple[np.ndarray, np.ndarray]:
            overlapped.append(decoding.wait(timeout=2.0))
            return super().embed_windows(audio, sr, window_s, step_s)

    audio = np.concatenate([gap(0.5), tone(1, 3.0), gap(0.7), tone(0, 2.5), gap(1.0)])
    diarizer = Diarizer(WaitingEmbedder(), energy_vad, VadConfig(threshold=0.5))
    blocks = (audio[i : i + 4000] for i in range(0, len(audio), 4000))

    found, parts = diarize_and_transcribe(blocks, len(audio) / RATE, diarizer, SlowWords(), VAD)

    assert overlapped and all(overlapped)  # a short call: one window, decoding from the start
    assert found.count == 2
    assert [(p.speaker, set(p.result.text.split())) for p in parts] == [(0, {"B"}), (1, {"A"})]
