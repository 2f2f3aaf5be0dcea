"""Who spoke when in a mono recording: VAD regions → windows → embeddings → clusters → turns.

* **Regions**: the project's streaming segmenter (Silero VAD) cuts the 16 kHz audio into
  stretches of speech, without pre-roll or tail, joined across pauses shorter than the hangover.
* **Windows**: each region is covered by overlapping windows (``window_s`` long, every
  ``step_s``, the last one ending at the region's end); a region shorter than a window but at
  least ``min_window_s`` long gets one window of its own length. The windows are embedded
  (L2-normalised) up to ``lag_s`` seconds of speech behind the reader, so only the embeddings
  and at most ``lag_s`` of speech audio plus one region (≤ ``vad.max_utterance_s``; longer
  speech is cut at its quietest point, as in a one-role call) are kept: memory grows by ~1 KB
  per ``step_s`` of speech. The lag lets the last of a call's voices be embedded while Whisper
  decodes its last window (``end_of_audio``, then ``finish``) instead of before.
* **Clusters**: average-linkage agglomerative clustering on cosine similarity over (at most
  ``max_cluster_points``) full-length windows, cut at the asked number of speakers, then refined
  over every window (spherical k-means). Two clusters whose windows are barely more like their
  own centroid than the other's (``same_speaker``) are one voice, and so is a cluster with too
  little speech to be a speaker. Then one more cluster at a time is tried (up to
  ``max_speakers``) and kept when every cluster is clearly apart from every other
  (``extra_voice``): a third voice (a supervisor, an IVR prompt) is not merged silently into
  the agent or the customer. ``speakers=None`` (auto) starts from one voice the same way.
* **Turns** (``turns``): every 0.1 s of a region takes the speaker whose centroid is most like
  the windows covering it, so a change of speaker inside one region (no pause) becomes a turn
  boundary; overlapped speech goes to the voice that dominates those windows. Runs shorter than
  ``min_turn_s`` inside a region are joined to a neighbour (short-turn smoothing); a whole short
  region keeps its own speaker.

Speakers are numbered by first appearance (0 speaks first).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from agent_assist.config import VadConfig
from agent_assist.contracts import SAMPLE_RATE, Utterance
from agent_assist.speakers.turns import Diarization, label_regions
from agent_assist.vad.segmenter import Segmenter

log = logging.getLogger(__name__)

_REGION_HANGOVER_MS = 300
NARROW_BELOW_HZ = 12_000
"""Recordings at a lower rate are telephone band."""
_FLOOR_FRAMES = 300
"""Frames (~10 s) over which the noise floor is the quietest frame."""
_DIGITAL_SILENCE_DB = -75.0
LAG_S = 30.0
"""Speech (seconds) whose windows may wait to be embedded: about one Whisper window."""


class Embedder(Protocol):
    def embed_windows(
        self, audio: np.ndarray, sr: int, window_s: float = 1.6, step_s: float = 0.4
    ) -> tuple[np.ndarray, np.ndarray]:
        """(window start times in seconds, (n, d) L2-normalised embeddings) of ``audio``."""
        ...


@dataclass(frozen=True)
class DiarizeSettings:
    speakers: int | None = 2
    """Number of speakers expected; more are kept when clearly apart (up to ``max_speakers``).
    None (auto): start from one voice."""
    max_speakers: int = 4
    window_s: float = 1.6
    step_s: float = 0.8
    min_window_s: float = 0.4
    """Shorter regions get no embedding of their own: they take their nearest neighbour's."""
    cluster_min_s: float = 1.0
    """Windows at least this long find the clusters; shorter ones are only assigned to them
    (telephone band: only full windows, short ones being too noisy there)."""
    min_turn_s: float = 0.6
    cluster_threshold: float = 0.45
    """Average-linkage cosine similarity under which two clusters are different speakers (the
    rough count of voices heard; CAM++ windows of one voice average 0.59, of two 0.34)."""
    same_speaker: float = 0.33
    """Two clusters whose windows are on average less than this much more like their own
    centroid than the other's (cosine) are one voice split in two (wideband audio). On the
    DATA.md mixes (CAM++): one voice split in two up to 0.32, two real voices 0.36 or more."""
    same_speaker_narrow: float = 0.15
    """The same for audio recorded at 8 kHz or less, whose voices all sound more alike: one
    voice split in two measured 0.16-0.29 there (lower on longer recordings), two real voices
    0.12-0.35, so some of each are wrong whatever the threshold. Set low: merging two real
    voices is the worse mistake (at 0.20, three of ten longer three-voice calls became one
    speaker)."""
    floor_margin_db: float = 6.0
    """At 8 kHz, frames this far above the recent noise floor count as speech (see
    ``NoiseFloorVad``)."""
    min_speaker_s: float = 2.0
    """Estimated speakers need this much speech, else their windows join the nearest voice."""
    min_asked_speaker_s: float = 1.0
    """An asked-for speaker needs this much speech (more than one window's worth): a lone
    window split off one voice is not a second speaker."""
    min_asked_speaker_s_narrow: float = 2.5
    """The same at 8 kHz: as much speech as a voice beyond those asked needs. There one voice
    split in two left a second cluster of 0.8-2.4 s on the DATA.md recordings (CAM++), while
    the second of two real voices had 3.2 s or more (with the GE2E encoder small clusters at
    8 kHz were more often a real voice, and no minimum was set)."""
    extra_voice: float = 0.38
    """A voice beyond ``speakers`` is kept apart (as ``other``) when every cluster is at least
    this far from every other (``separation``) and has 2.5 s of speech. On the DATA.md mixes
    (CAM++) every cluster of a real third voice was 0.39 or more from the others wideband; at
    8 kHz real third voices (0.17-0.33) are closer than the parts of two voices split in three
    (up to 0.39), so there a third voice is rarely found."""
    extra_voice_least: float = 0.38
    """Wideband, for a third voice or more, the cluster with the least speech (the likeliest
    part of a voice split in two) needs this much from every other (the same as
    ``extra_voice`` with CAM++; the GE2E encoder needed more, 0.30 against 0.22)."""
    max_cluster_points: int = 600
    vad_threshold: float | None = None
    """Speech threshold for the regions (None: the ``vad`` section's)."""
    vad_threshold_narrow: float = 0.2
    """The same for 8 kHz recordings, on which Silero's speech probability is lower."""


GE2E_SETTINGS = {
    "cluster_threshold": 0.6,
    "same_speaker": 0.16,
    "same_speaker_narrow": 0.07,
    "min_asked_speaker_s_narrow": 0.0,
    "extra_voice": 0.22,
    "extra_voice_least": 0.30,
}
"""The thresholds the GE2E encoder was tuned with (the defaults until 2026-12-05; its
embeddings sit closer together than CAM++'s, and one voice split in two reaches 0.27)."""


def settings_for(model: str, **chosen: object) -> DiarizeSettings:
    """Diarization settings tuned for the speaker encoder ``model`` ("campplus" or "ge2e"),
    with ``chosen`` on top."""
    tuned: dict[str, object] = dict(GE2E_SETTINGS) if model == "ge2e" else {}
    return DiarizeSettings(**{**tuned, **chosen})  # type: ignore[arg-type]


@dataclass(frozen=True)
class Region:
    """A stretch of speech (no pre-roll or tail); ``split``: the VAD cut it at ``end`` while
    the speech went on (at ``vad.max_utterance_s``)."""

    start: float
    end: float
    split: bool


@dataclass
class _Region:
    start: float
    end: float
    windows: list[int] = field(default_factory=list)


class NoiseFloorVad:
    """Silero's speech probability, raised to ``threshold`` for frames ``margin_db`` above the
    quietest frame of the last ~10 s when that floor is noise, not digital silence: Silero
    misses much of the speech of noisy 8 kHz lines (models/README.md, diarization section).
    Used for 8 kHz recordings only: in a wideband room it carries speech over the pauses."""

    def __init__(
        self, vad: Callable[[np.ndarray], float], threshold: float, margin_db: float
    ) -> None:
        self._vad = vad
        self._threshold = threshold
        self._margin = margin_db
        self._levels: deque[float] = deque(maxlen=_FLOOR_FRAMES)

    def __call__(self, frame: np.ndarray) -> float:
        probability = self._vad(frame)
        level = 10.0 * float(np.log10(np.mean(np.square(frame, dtype=np.float64)) + 1e-13))
        self._levels.append(level)
        floor = min(self._levels)
        if floor > _DIGITAL_SILENCE_DB and level >= floor + self._margin:
            return max(probability, self._threshold)
        return probability


class Diarizer:
    """Feed 16 kHz mono audio with ``accept``; ``finish`` clusters and returns the turns."""

    def __init__(
        self,
        embedder: Embedder,
        vad: Callable[[np.ndarray], float],
        vad_config: VadConfig,
        settings: DiarizeSettings | None = None,
        *,
        narrow: bool = False,
        lag_s: float = LAG_S,
    ) -> None:
        """``narrow``: the recording's own rate is 8 kHz or so (telephone band); ``lag_s``:
        seconds of speech whose windows may wait to be embedded."""
        self.settings = settings or DiarizeSettings()
        self.narrow = narrow
        config = vad_config.model_copy(
            update={
                "pre_roll_ms": 0,
                "tail_ms": 0,
                "hangover_ms": min(vad_config.hangover_ms, _REGION_HANGOVER_MS),
                "threshold": self._threshold(vad_config),
            }
        )
        self._embedder = embedder
        # the noise-floor assist is for noisy telephone lines; on wideband recordings with room
        # noise it would carry speech over every pause and merge the turns
        gated = (
            NoiseFloorVad(vad, config.threshold, self.settings.floor_margin_db) if narrow else vad
        )
        self._segmenter = Segmenter("customer", gated, config)
        self._lag_s = lag_s
        self._waiting: deque[tuple[_Region, np.ndarray]] = deque()
        self._ended = False
        self._regions: list[_Region] = []
        self._embeddings: list[np.ndarray] = []
        self._spans: list[tuple[float, float]] = []
        self._new: list[Region] = []

    @property
    def duration(self) -> float:
        return self._segmenter.time

    @property
    def horizon(self) -> float:
        """No region yet to come starts before this time."""
        return self._segmenter.horizon

    @property
    def _waiting_s(self) -> float:
        """Seconds of speech whose windows wait to be embedded."""
        return sum(len(audio) for _, audio in self._waiting) / SAMPLE_RATE

    def take_regions(self) -> list[Region]:
        """The regions found since the last call (after ``finish`` too), in time order."""
        new, self._new = self._new, []
        return new

    def _threshold(self, vad_config: VadConfig) -> float:
        if self.narrow:
            return min(self.settings.vad_threshold_narrow, vad_config.threshold)
        return self.settings.vad_threshold or vad_config.threshold

    def accept(self, samples: np.ndarray) -> None:
        for out in self._segmenter.accept(samples):
            if isinstance(out, Utterance):
                self._add(out)
        while self._waiting and self._waiting_s > self._lag_s:
            self._embed_next()

    def end_of_audio(self) -> None:
        """No more audio: the last regions come out (``take_regions``), their windows are
        embedded by ``finish``."""
        if not self._ended:
            self._ended = True
            for utterance in self._segmenter.finish():
                self._add(utterance)

    def finish(self) -> Diarization:
        self.end_of_audio()
        while self._waiting:
            self._embed_next()
        return self.relabel(self.settings)

    def relabel(self, settings: DiarizeSettings) -> Diarization:
        """The speech fed so far clustered again with other ``settings`` (another number of
        speakers), from the kept embeddings: no audio is read again."""
        return label_regions(
            [(r.start, r.end, r.windows) for r in self._regions],
            np.stack(self._embeddings) if self._embeddings else np.zeros((0, 0), np.float32),
            self._spans,
            self.duration,
            settings,
            narrow=self.narrow,
        )

    def _add(self, utterance: Utterance) -> None:
        end = utterance.speech_end if utterance.speech_end is not None else utterance.end
        region = _Region(utterance.start, max(end, utterance.start))
        self._new.append(Region(region.start, region.end, utterance.split))
        audio = utterance.audio[: int(round((region.end - region.start) * SAMPLE_RATE))]
        self._regions.append(region)
        if len(audio) / SAMPLE_RATE >= self.settings.min_window_s:
            self._waiting.append((region, audio))

    def _embed_next(self) -> None:
        region, audio = self._waiting.popleft()
        length = len(audio) / SAMPLE_RATE
        settings = self.settings
        window = min(settings.window_s, length)
        times, found = self._embedder.embed_windows(
            audio, SAMPLE_RATE, window_s=window, step_s=settings.step_s
        )
        starts = [float(t) for t in np.asarray(times, dtype=np.float64)]
        embeddings = np.asarray(found, dtype=np.float32)
        tail_start = length - window
        if starts and tail_start - starts[-1] > settings.step_s / 2:
            tail = audio[int(round(tail_start * SAMPLE_RATE)) :]
            _, last = self._embedder.embed_windows(tail, SAMPLE_RATE, window_s=window, step_s=1e9)
            starts.append(tail_start)
            embeddings = np.concatenate((embeddings, np.asarray(last, np.float32)[:1]))
        for offset, embedding in zip(starts, embeddings, strict=True):
            region.windows.append(len(self._embeddings))
            self._embeddings.append(embedding)
            self._spans.append((region.start + offset, region.start + offset + window))


def diarize_blocks(
    blocks: Iterable[np.ndarray],
    embedder: Embedder,
    vad: Callable[[np.ndarray], float],
    vad_config: VadConfig,
    settings: DiarizeSettings | None = None,
    *,
    narrow: bool = False,
) -> Diarization:
    diarizer = Diarizer(embedder, vad, vad_config, settings, narrow=narrow)
    for block in blocks:
        diarizer.accept(block)
    return diarizer.finish()


def diarize_file(
    path: Path,
    embedder: Embedder,
    vad: Callable[[np.ndarray], float],
    vad_config: VadConfig,
    settings: DiarizeSettings | None = None,
) -> Diarization:
    """Diarize a recording, streamed (channels of a stereo file are mixed)."""
    from agent_assist.audio.files import open_call

    call = open_call(path)

    def mono() -> Iterable[np.ndarray]:
        for block in call.blocks():
            parts = list(block.values())
            yield parts[0] if len(parts) == 1 else np.mean(np.stack(parts), axis=0)

    narrow = call.rate < NARROW_BELOW_HZ
    return diarize_blocks(mono(), embedder, vad, vad_config, settings, narrow=narrow)


# --- turns -----------------------------------------------------------------------------------
