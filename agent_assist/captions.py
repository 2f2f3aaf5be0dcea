"""Partial captions for the speakers of one call: decoded inline, or on a thread of their own.

``Captions`` decodes each ``SpeechInProgress`` on the caller's thread (deterministic: the
worker tests on a fake clock use it). ``CaptionThread`` decodes on its own thread, so a live
final transcript never waits for a caption draft nor a draft for a final: with the two
CTranslate2 replicas of ``asr.whisper.DECODERS`` they decode on the two cores at once.

Either way, drafts are spaced so that they take at most ``PARTIAL_SHARE`` of the time, only
the newest audio of each speaker waits to be decoded (an older request is superseded), and a
draft of an utterance that was ``reset`` (it ended, or was discarded) is never delivered.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agent_assist.asr.streaming import PartialCaptioner
from agent_assist.contracts import Clock, SpeechInProgress, Transcriber
from agent_assist.events import Speaker, TranscriptPartial

log = logging.getLogger(__name__)

Deliver = Callable[[TranscriptPartial], None]
PARTIAL_SHARE = 0.5
"""At most this share of the time (of one thread) goes to caption drafts."""
CLOSE_TIMEOUT_S = 10.0
RECHECK_S = 0.05
"""A waiting draft re-reads the clock this often (real seconds: the clock may be virtual)."""


@dataclass
class CaptionStats:
    decodes: int = 0
    skipped: int = 0
    """Requests not decoded: too soon after the last draft, or superseded by newer audio."""
    faults: int = 0


class Captions:
    """Drafts decoded on the calling thread. ``deliver`` runs with ``lock`` held."""

    def __init__(
        self,
        transcriber: Transcriber,
        deliver: Deliver,
        clock: Clock,
        lock: threading.RLock | None = None,
    ) -> None:
        self.transcriber = transcriber
        self.deliver = deliver
        self.clock = clock
        self.lock = lock or threading.RLock()
        self.stats = CaptionStats()
        self._captioners: dict[Speaker, tuple[int, PartialCaptioner]] = {}
        self._generation: dict[Speaker, int] = {}
        self._next_at = float("-inf")

    def update(self, progress: SpeechInProgress) -> None:
        """Caption the utterance so far (unless a draft was decoded too recently)."""
        with self.lock:
            if self.clock() < self._next_at:
                self.stats.skipped += 1
                return
            self._decode(self._generation.get(progress.speaker, 0), progress)

    def reset(self, role: Speaker) -> None:
        """The utterance in progress of ``role`` is over: nothing more of it is delivered."""
        with self.lock:
            self._generation[role] = self._generation.get(role, 0) + 1

    def close(self) -> None:
        """No more drafts (a thread, if any, has stopped when this returns)."""

    def _decode(self, generation: int, progress: SpeechInProgress) -> None:
        """Decode ``progress`` (of utterance ``generation``) and deliver it if still current."""
        role = progress.speaker
        made, captioner = self._captioners.get(role, (-1, None))
        if captioner is None or made != generation:
            captioner = PartialCaptioner(self.transcriber)
            self._captioners[role] = (generation, captioner)
        started = self.clock()
        partial = captioner.update(progress)
        with self.lock:
            self.stats.decodes += 1
            done = self.clock()
            self._next_at = done + (done - started) * (1 / PARTIAL_SHARE - 1)
            if partial is not None and generation == self._generation.get(role, 0):
                self.deliver(partial)


class CaptionThread(Captions):
    """Drafts decoded on a thread of their own; ``update`` and ``reset`` never wait for one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wake = threading.Condition(self.lock)
        self._pending: dict[Speaker, tuple[int, SpeechInProgress]] = {}
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="captions", daemon=True)
        self._thread.start()

    def update(self, progress: SpeechInProgress) -> None:
        with self._wake:
            if self._closed:
                return
            if progress.speaker in self._pending:
                self.stats.skipped += 1
            generation = self._generation.get(progress.speaker, 0)
            self._pending[progress.speaker] = (generation, progress)
            self._wake.notify()

    def reset(self, role: Speaker) -> None:
        with self._wake:
            super().reset(role)
            self._pending.pop(role, None)

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        if self._thread is not threading.current_thread():
            self._thread.join(CLOSE_TIMEOUT_S)

    def _run(self) -> None:
        while (job := self._next()) is not None:
            try:
                self._decode(*job)
            except Exception:  # noqa: BLE001 - a failed draft costs that draft, not the captions
                self.stats.faults += 1
                log.exception("caption draft failed (%s at %.1f s)", job[1].speaker, job[1].start)
                self._captioners.pop(job[1].speaker, None)

    def _next(self) -> tuple[int, SpeechInProgress] | None:
        """The oldest waiting request, once the spacing allows; None once closed."""
        with self._wake:
            while not self._closed:
                wait = self._next_at - self.clock()
                if self._pending and wait <= 0:
                    role = min(self._pending, key=lambda r: self._pending[r][1].now)
                    return self._pending.pop(role)
                self._wake.wait(min(wait, RECHECK_S) if self._pending else None)
            return None
