"""From clustered windows to turns: every 0.1 s of a speech region takes the closest speaker,
short runs inside a region are smoothed away, turns of one speaker that touch are joined, and
the result says how many speakers were found (``Diarization``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from agent_assist.speakers.clustering import cluster

if TYPE_CHECKING:
    from agent_assist.speakers.diarize import DiarizeSettings

RESOLUTION_S = 0.1
"""Grid on which turn boundaries are placed."""


@dataclass(frozen=True)
class Turn:
    start: float
    end: float
    speaker: int


@dataclass(frozen=True)
class SpeakerStats:
    speaker: int
    seconds: float
    turns: int
    first: float
    """Start of the speaker's first turn."""


@dataclass(frozen=True)
class Diarization:
    turns: tuple[Turn, ...]
    speakers: tuple[SpeakerStats, ...]
    duration: float
    note: str
    """One line for people: how many speakers were found, and anything merged."""
    voices_heard: int = 0
    """How many voices the linkage threshold (``cluster_threshold``) separates: a rough figure
    that over-counts on real calls (models/README.md), kept in the summary for review; the
    speakers found do not use it."""

    @property
    def count(self) -> int:
        return len(self.speakers)


def label_regions(
    regions: Sequence[tuple[float, float, Sequence[int]]],
    embeddings: np.ndarray,
    spans: Sequence[tuple[float, float]],
    duration: float,
    settings: DiarizeSettings,
    *,
    narrow: bool = False,
) -> Diarization:
    """Turns from speech regions (start, end, their window indices) and window embeddings."""
    if not regions:
        return Diarization((), (), duration, "no speech found: no speakers")
    if len(embeddings) == 0:
        return _result([Turn(start, end, 0) for start, end, _ in regions], duration, 1, settings)
    lengths = np.array([end - start for start, end in spans])
    centres, heard = cluster(embeddings, lengths, settings, narrow)
    scores = embeddings @ centres.T
    mids = np.array([(start + end) / 2 for start, end in spans])
    turns: list[Turn] = []
    for start, end, windows in regions:
        if windows:
            turns += _region_turns(start, end, list(windows), spans, scores, settings.min_turn_s)
        else:
            nearest = int(np.argmin(np.abs(mids - (start + end) / 2)))
            turns.append(Turn(start, end, int(np.argmax(scores[nearest]))))
    return _result(turns, duration, heard, settings)


def _region_turns(
    start: float,
    end: float,
    windows: list[int],
    spans: Sequence[tuple[float, float]],
    scores: np.ndarray,
    min_turn_s: float,
) -> list[Turn]:
    steps = max(1, int(round((end - start) / RESOLUTION_S)))
    edges = np.linspace(start, end, steps + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    w_start = np.array([spans[w][0] for w in windows])
    w_end = np.array([spans[w][1] for w in windows])
    cover = (w_start[None, :] <= centres[:, None]) & (centres[:, None] < w_end[None, :])
    # a grid point no window covers takes the nearest window
    nearest = np.argmin(np.abs((w_start + w_end)[None, :] / 2 - centres[:, None]), axis=1)
    empty = ~cover.any(axis=1)
    cover[empty, nearest[empty]] = True
    weights = cover / cover.sum(axis=1, keepdims=True)
    grid = weights @ scores[windows]
    labels = _smooth(np.argmax(grid, axis=1), grid, max(1, int(round(min_turn_s / RESOLUTION_S))))
    turns: list[Turn] = []
    first = 0
    for index in range(1, steps + 1):
        if index == steps or labels[index] != labels[first]:
            turns.append(Turn(float(edges[first]), float(edges[index]), int(labels[first])))
            first = index
    return turns


def _smooth(labels: np.ndarray, grid: np.ndarray, shortest: int) -> np.ndarray:
    """Join runs shorter than ``shortest`` grid steps to the neighbour that fits them best."""
    labels = labels.copy()
    while True:
        runs = _runs(labels)
        if len(runs) < 2:
            return labels
        lengths = [b - a for a, b, _ in runs]
        k = int(np.argmin(lengths))
        if lengths[k] >= shortest:
            return labels
        a, b, _ = runs[k]
        options = [runs[n][2] for n in (k - 1, k + 1) if 0 <= n < len(runs)]
        best = max(options, key=lambda s: float(grid[a:b, s].sum()))
        labels[a:b] = best


def _runs(labels: np.ndarray) -> list[tuple[int, int, int]]:
    runs: list[tuple[int, int, int]] = []
    first = 0
    for index in range(1, len(labels) + 1):
        if index == len(labels) or labels[index] != labels[first]:
            runs.append((first, index, int(labels[first])))
            first = index
    return runs


def _result(
    turns: list[Turn], duration: float, heard: int, settings: DiarizeSettings
) -> Diarization:
    order: dict[int, int] = {}
    for turn in sorted(turns, key=lambda t: t.start):
        order.setdefault(turn.speaker, len(order))
    turns = [Turn(t.start, t.end, order[t.speaker]) for t in turns]
    turns = _join_adjacent(sorted(turns, key=lambda t: t.start))
    stats = tuple(
        SpeakerStats(
            speaker,
            sum(t.end - t.start for t in turns if t.speaker == speaker),
            sum(1 for t in turns if t.speaker == speaker),
            min(t.start for t in turns if t.speaker == speaker),
        )
        for speaker in range(len(order))
    )
    count = len(stats)
    note = "one voice found: 1 speaker" if count == 1 else f"{count} speakers found"
    asked = settings.speakers
    if asked is not None and count < asked:
        note += f" ({asked} asked)"
    if asked is not None and count > asked:
        note += f" ({asked} asked; {count - asked} more voice(s) clearly apart, kept as 'other')"
    if heard > settings.max_speakers and count >= settings.max_speakers:
        note += f" (more voices heard; at most {settings.max_speakers} kept: some were merged)"
    return Diarization(tuple(turns), stats, duration, note, heard)


def _join_adjacent(turns: list[Turn]) -> list[Turn]:
    """Turns of one speaker that touch (split only by the grid) become one."""
    joined: list[Turn] = []
    for turn in turns:
        if joined and joined[-1].speaker == turn.speaker and turn.start - joined[-1].end < 1e-6:
            joined[-1] = Turn(joined[-1].start, turn.end, turn.speaker)
        else:
            joined.append(turn)
    return joined
