"""One streamed pass over a mono call: who spoke when, and what was said, at the same time.

The diarizer's speech regions (cut by the VAD at pauses, and at their quietest point when
speech goes on past ``vad.max_utterance_s``, as in a one-role call) are speaker-blind pieces of
speech. Each one, with the VAD's pre-roll and tail, is packed into Whisper windows and decoded
on one worker thread while the diarizer reads on and embeds the voices on the caller's (the
last window decodes while the diarizer embeds the speech it still holds). At most ``AHEAD``
windows wait, so memory stays bounded whatever the call's length.

Once the speakers are known, each piece's words go to the speaker whose turn they fall in
(by the middle of the word): a change of speaker inside one region splits its words there. So
Whisper hears the same stretches as in a one-role call, and the speaker stage adds the voice
embeddings and clustering, not a second transcription.
"""

from __future__ import annotations

import bisect
import logging
import math
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from agent_assist.asr.window import fits_one_window
from agent_assist.config import VadConfig
from agent_assist.contracts import SAMPLE_RATE, Transcriber, Transcription, Utterance
from agent_assist.core.speech import transcribe
from agent_assist.events import Word
from agent_assist.speakers.diarize import Diarizer, Region
from agent_assist.speakers.turns import Diarization, Turn

log = logging.getLogger(__name__)

AHEAD = 3
"""Whisper windows that may wait for the decoder before the reader waits for it."""


@dataclass(frozen=True)
class Span:
    """A stretch of the call, in seconds."""

    start: float
    end: float


@dataclass(frozen=True)
class Part:
    """One speaker's words in one piece of speech (times in call seconds; the words' times
    are relative to ``start``, as a transcriber gives them)."""

    speaker: int
    start: float
    end: float
    result: Transcription


class _Recent:
    """The most recent samples of the stream: spans are cut from it, older audio dropped."""

    def __init__(self) -> None:
        self._buffer = np.zeros(0, dtype=np.float32)
        self._origin = 0  # sample index of _buffer[0]

    @property
    def end(self) -> int:
        return self._origin + len(self._buffer)

    def push(self, samples: np.ndarray) -> None:
        self._buffer = np.concatenate((self._buffer, samples.astype(np.float32, copy=False)))

    def cut(self, span: Span) -> np.ndarray:
        a, b = int(span.start * SAMPLE_RATE), int(span.end * SAMPLE_RATE)
        return self._buffer[max(a - self._origin, 0) : max(b - self._origin, 0)].copy()

    def drop_before(self, seconds: float) -> None:
        keep = min(int(seconds * SAMPLE_RATE), self.end) - self._origin
        if keep > 0:
            self._buffer = self._buffer[keep:]
            self._origin += keep


class _Pieces:
    """The stretches Whisper hears: the diarizer's regions with the VAD's pre-roll and tail,
    those closer than ``vad.hangover_ms`` joined (up to ``vad.max_utterance_s``) as a one-role
    call joins them, never overlapping."""

    def __init__(self, duration: float, vad: VadConfig) -> None:
        self.all: list[Span] = []
        self.waiting: deque[Span] = deque()  # final, audio not cut yet
        self._open: list[Region] = []  # regions of the piece that may still grow
        self._duration = duration
        self._vad = vad

    def add(self, regions: list[Region], horizon: float) -> None:
        """New regions; ``horizon``: no region to come starts before it."""
        join = self._vad.hangover_ms / 1000
        for region in regions:
            if self._open and not self._joins(region, join):
                self._close()
            self._open.append(region)
        if self._open and horizon >= self._open[-1].end + join:
            self._close()

    def keep_from(self, horizon: float) -> float:
        """Audio before this time is no longer needed."""
        pre = self._vad.pre_roll_ms / 1000
        starts = [horizon - pre]
        if self.waiting:
            starts.append(self.waiting[0].start)
        if self._open:
            starts.append(self._open[0].start - pre)
        return min(starts)

    def _joins(self, region: Region, join: float) -> bool:
        last, first = self._open[-1], self._open[0]
        near = region.start - last.end < join and not last.split
        return near and region.end - first.start <= self._vad.max_utterance_s

    def _close(self) -> None:
        first, last = self._open[0], self._open[-1]
        self._open = []
        start = max(0.0, first.start - self._vad.pre_roll_ms / 1000)
        if self.all:
            start = max(start, self.all[-1].end)
        end = last.end if last.split else last.end + self._vad.tail_ms / 1000
        self.all.append(Span(start, max(start, min(self._duration, end))))
        self.waiting.append(self.all[-1])


class _Decoder:
    """Pieces packed into Whisper windows and decoded in order on one worker thread."""

    def __init__(self, transcriber: Transcriber, executor: ThreadPoolExecutor) -> None:
        self._transcriber = transcriber
        self._executor = executor
        self._pack: list[Utterance] = []
        self._futures: deque[Future[list[Transcription]]] = deque()
        self._done: list[Transcription] = []

    def add(self, audio: np.ndarray) -> None:
        utterance = Utterance("customer", 0.0, len(audio) / SAMPLE_RATE, audio)
        if self._pack and not fits_one_window([len(u.audio) for u in (*self._pack, utterance)]):
            self._submit()
        self._pack.append(utterance)

    def flush(self) -> None:
        """Send the window being packed to the decoder."""
        if self._pack:
            self._submit()

    def results(self) -> list[Transcription]:
        self.flush()
        while self._futures:
            self._done += self._futures.popleft().result()
        return self._done

    def _submit(self) -> None:
        pack, self._pack = self._pack, []
        self._futures.append(self._executor.submit(transcribe, self._transcriber, pack))
        while len(self._futures) > AHEAD or (self._futures and self._futures[0].done()):
            self._done += self._futures.popleft().result()


def diarize_and_transcribe(
    blocks: Iterable[np.ndarray],
    duration: float,
    diarizer: Diarizer,
    transcriber: Transcriber,
    vad: VadConfig,
) -> tuple[Diarization, list[Part]]:
    """Feed the mono 16 kHz ``blocks`` of a call lasting ``duration`` seconds to ``diarizer``,
    transcribing its regions as they come; the diarization and every speaker's parts."""
    recent = _Recent()
    pieces = _Pieces(duration, vad)
    with ThreadPoolExecutor(1, thread_name_prefix="mono-asr") as executor:
        decoder = _Decoder(transcriber, executor)
        try:
            for block in blocks:
                recent.push(block)
                diarizer.accept(block)
                pieces.add(diarizer.take_regions(), diarizer.horizon)
                while pieces.waiting and recent.end >= pieces.waiting[0].end * SAMPLE_RATE:
                    decoder.add(recent.cut(pieces.waiting.popleft()))
                recent.drop_before(pieces.keep_from(diarizer.horizon))
            diarizer.end_of_audio()
            pieces.add(diarizer.take_regions(), math.inf)
            while pieces.waiting:
                decoder.add(recent.cut(pieces.waiting.popleft()))
            decoder.flush()  # Whisper decodes the last window while the last voices are embedded
            found = diarizer.finish()
            results = decoder.results()
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
    parts = [
        part
        for piece, result in zip(pieces.all, results, strict=True)
        for part in by_speaker(piece, result, found.turns)
    ]
    return found, parts


def by_speaker(piece: Span, result: Transcription, turns: Sequence[Turn]) -> list[Part]:
    """The piece's words given to the speakers whose turns their middles fall in."""
    spans = speaker_spans(piece, turns)
    if len(spans) == 1:
        speaker, start, end = spans[0]
        return [Part(speaker, start, end, result)]
    bounds = [start for _, start, _ in spans[1:]]
    words: list[list[Word]] = [[] for _ in spans]
    for word in result.words:
        middle = piece.start + (word.start + word.end) / 2
        words[bisect.bisect_right(bounds, middle)].append(word)
    return [
        Part(speaker, start, end, _part(result, found, start - piece.start))
        for (speaker, start, end), found in zip(spans, words, strict=True)
    ]


def speaker_spans(piece: Span, turns: Sequence[Turn]) -> list[tuple[int, float, float]]:
    """The piece cut where the speaker changes: (speaker, start, end), covering it all. Turns
    that overlap it decide (a gap between two of them is shared at its middle); a piece no
    turn overlaps takes the nearest turn's speaker."""
    inside = sorted(
        (t for t in turns if t.end > piece.start and t.start < piece.end), key=lambda t: t.start
    )
    if not inside:
        if not turns:
            return [(0, piece.start, piece.end)]
        middle = (piece.start + piece.end) / 2
        near = min(turns, key=lambda t: max(t.start - middle, middle - t.end, 0.0))
        return [(near.speaker, piece.start, piece.end)]
    spans = [(inside[0].speaker, piece.start, piece.end)]
    for before, turn in zip(inside[:-1], inside[1:], strict=True):
        if turn.speaker == spans[-1][0]:
            continue
        cut = min(max((before.end + turn.start) / 2, piece.start), piece.end)
        spans[-1] = (spans[-1][0], spans[-1][1], cut)
        spans.append((turn.speaker, cut, piece.end))
    return spans


def _part(result: Transcription, words: list[Word], offset: float) -> Transcription:
    """The words of one speaker's share of a decoded piece, as that share's own result."""
    moved = tuple(Word(w.start - offset, w.end - offset, w.text, w.probability) for w in words)
    confidence = float(np.mean([w.probability for w in words])) if words else 0.0
    return Transcription(
        " ".join(w.text for w in words),
        moved,
        confidence,
        result.no_speech_prob,
        result.avg_logprob,
        result.compression_ratio,
        result.reliable and bool(words),
    )
