"""Crosstalk gate: the agent's microphone often hears the customer (speakers, headset leak).

Both channels' short-time amplitude envelopes (20 ms frames, in call time) are kept for the
last minute. A stretch of agent speech is crosstalk when the customer was speaking at the same
time and the agent's envelope is explained by the customer's one: a gain and a small delay
(the customer leads by up to 250 ms; device latencies may skew the channels by 60 ms the
other way) fit it with at least ``MIN_EXPLAINED`` of its variance. The agent's own speech,
alone or over the customer, leaves most of the variance unexplained and passes.
"""

from __future__ import annotations

import logging

import numpy as np

from agent_assist.contracts import SAMPLE_RATE
from agent_assist.events import Speaker

log = logging.getLogger(__name__)

FRAME = SAMPLE_RATE // 50
FRAME_S = FRAME / SAMPLE_RATE
HISTORY_S = 60.0
MAX_LEAD_S = 0.25
MAX_SKEW_S = 0.06
MIN_EXPLAINED = 0.6
"""Share of the agent envelope's variance the customer's envelope must explain."""
ACTIVE_DBFS = -50.0
"""The customer counts as speaking in a stretch whose loudest frame is above this."""


class EnvelopeTrack:
    """RMS per 20 ms frame of one channel, indexed by call time; the last ``HISTORY_S`` kept."""

    def __init__(self, history_s: float = HISTORY_S) -> None:
        self._size = int(history_s / FRAME_S)
        self._values = np.zeros(self._size, dtype=np.float32)
        self._end = 0
        """Call-time frame number one past the newest frame written."""
        self._next_sample = 0
        self._pending = np.zeros(0, dtype=np.float32)

    def add(self, samples: np.ndarray, start_time: float) -> None:
        """Append 16 kHz samples that begin at ``start_time`` (gaps read as silence)."""
        start = int(round(start_time * SAMPLE_RATE))
        if abs(start - self._next_sample) > FRAME:
            self._pending = np.zeros(0, dtype=np.float32)
            self._skip_to(max(start // FRAME, 0))
            start = self._end * FRAME
        block = np.concatenate((self._pending, np.asarray(samples, dtype=np.float32)))
        whole = len(block) // FRAME * FRAME
        self._pending = block[whole:].copy()
        self._next_sample = start + len(samples)
        if whole:
            frames = block[:whole].reshape(-1, FRAME).astype(np.float64)
            self._write(np.sqrt(np.mean(np.square(frames), axis=1)).astype(np.float32))

    def _skip_to(self, frame: int) -> None:
        if frame > self._end:
            gap = min(frame - self._end, self._size)
            self._values[np.arange(frame - gap, frame) % self._size] = 0.0
        self._end = frame

    def _write(self, values: np.ndarray) -> None:
        kept = values[-self._size :]
        first = self._end + len(values) - len(kept)
        self._values[np.arange(first, first + len(kept)) % self._size] = kept
        self._end += len(values)

    def window(self, start: float, end: float) -> np.ndarray:
        """Frames covering [start, end) in call time; frames not held read as zero."""
        first = int(round(start / FRAME_S))
        last = max(first, int(round(end / FRAME_S)))
        index = np.arange(first, last)
        held = (index < self._end) & (index >= self._end - self._size) & (index >= 0)
        out = np.zeros(len(index), dtype=np.float32)
        out[held] = self._values[index[held] % self._size]
        return out


def explained_share(target: np.ndarray, source: np.ndarray, max_lead: int, max_skew: int) -> float:
    """Best share of ``target``'s variance a scaled, shifted ``source`` explains (0..1).

    ``source`` covers ``max_lead`` frames before and ``max_skew`` frames after ``target``.
    """
    best = 0.0
    n = len(target)
    if n < 5 or np.std(target) == 0.0:
        return 0.0
    for lead in range(-max_skew, max_lead + 1):
        begin = max_lead - lead
        shifted = source[begin : begin + n]
        if len(shifted) < n or np.std(shifted) == 0.0:
            continue
        r = float(np.corrcoef(target, shifted)[0, 1])
        if r > 0:
            best = max(best, r * r)
    return best


class CrosstalkGate:
    """Decides whether a stretch of ``target`` speech is ``source`` speech heard again."""

    def __init__(self, source: Speaker = "customer", target: Speaker = "agent") -> None:
        self.source: Speaker = source
        self.target: Speaker = target
        self.tracks: dict[Speaker, EnvelopeTrack] = {
            source: EnvelopeTrack(),
            target: EnvelopeTrack(),
        }
        self.gated = 0

    def add(self, role: Speaker, samples: np.ndarray, start_time: float) -> None:
        track = self.tracks.get(role)
        if track is not None:
            track.add(samples, start_time)

    def is_crosstalk(self, role: Speaker, start: float, end: float) -> bool:
        if role != self.target or end - start < 5 * FRAME_S:
            return False
        lead, skew = int(MAX_LEAD_S / FRAME_S), int(MAX_SKEW_S / FRAME_S)
        target = self.tracks[self.target].window(start, end)
        source = self.tracks[self.source].window(start - lead * FRAME_S, end + skew * FRAME_S)
        if _peak_dbfs(source) < ACTIVE_DBFS:
            return False
        share = explained_share(target, source, lead, skew)
        log.debug(
            "%s %.2f-%.2f: %.2f of the envelope explained by %s",
            role,
            start,
            end,
            share,
            self.source,
        )
        return share >= MIN_EXPLAINED

    def check(self, role: Speaker, start: float, end: float) -> bool:
        """``is_crosstalk``, counting the stretches it gates."""
        gated = self.is_crosstalk(role, start, end)
        self.gated += gated
        return gated


def _peak_dbfs(envelope: np.ndarray) -> float:
    peak = float(np.max(envelope, initial=0.0))
    return 20.0 * float(np.log10(max(peak, 1e-9)))
