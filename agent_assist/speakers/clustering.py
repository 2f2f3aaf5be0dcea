"""Clustering speaker embeddings: average-linkage agglomerative clustering on cosine similarity,
spherical k-means refinement, and the tests that tell one voice from two (``separation``) and a
voice from a stray cluster (``_drop_small``). Used by ``agent_assist.speakers.diarize``."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from agent_assist.speakers.diarize import DiarizeSettings


EXTRA_VOICE_MIN_S = 2.5
"""Speech a voice beyond the asked number of speakers needs before it is kept apart."""


def linkage(points: np.ndarray) -> list[tuple[int, int, float]]:
    """Average-linkage merges (kept, merged, similarity) of L2-normalised ``points``, best first."""
    n = len(points)
    sim = (points @ points.T).astype(np.float64)
    np.fill_diagonal(sim, -np.inf)
    sizes = np.ones(n)
    merges: list[tuple[int, int, float]] = []
    for _ in range(n - 1):
        i, j = divmod(int(np.argmax(sim)), n)
        merges.append((i, j, float(sim[i, j])))
        row = (sizes[i] * sim[i] + sizes[j] * sim[j]) / (sizes[i] + sizes[j])
        sim[i, :] = row
        sim[:, i] = row
        sim[j, :] = -np.inf
        sim[:, j] = -np.inf
        sim[i, i] = -np.inf
        sizes[i] += sizes[j]
    return merges


def cut(n: int, merges: Sequence[tuple[int, int, float]], clusters: int) -> np.ndarray:
    """Cluster label (0..clusters-1) of each of ``n`` points after the first n-clusters merges."""
    labels = np.arange(n)
    for i, j, _ in merges[: max(0, n - clusters)]:
        labels[labels == j] = i
    _, dense = np.unique(labels, return_inverse=True)
    return dense


def clusters_above(n: int, merges: Sequence[tuple[int, int, float]], threshold: float) -> int:
    """How many clusters remain when merging stops at the first link below ``threshold``."""
    done = next((k for k, (_, _, s) in enumerate(merges) if s < threshold), len(merges))
    return n - done


def _centroids(embeddings: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    centres = np.stack(
        [
            embeddings[labels == c].mean(axis=0)
            if np.any(labels == c)
            else np.zeros(embeddings.shape[1])
            for c in range(k)
        ]
    )
    norms = np.linalg.norm(centres, axis=1, keepdims=True)
    return centres / np.maximum(norms, 1e-9)


def _refine(embeddings: np.ndarray, centres: np.ndarray, rounds: int = 5) -> np.ndarray:
    for _ in range(rounds):
        labels = np.argmax(embeddings @ centres.T, axis=1)
        keep = [c for c in range(len(centres)) if np.any(labels == c)]
        centres = _centroids(embeddings, labels, len(centres))[keep]
    return centres


def separation(embeddings: np.ndarray, centres: np.ndarray, i: int, j: int) -> float:
    """How much more each window of clusters ``i`` and ``j`` is like its own centroid than the
    other one (mean cosine difference): small when one voice was split in two."""
    scores = embeddings @ centres[[i, j]].T
    nearest = np.argmax(embeddings @ centres.T, axis=1)
    mine = scores[nearest == i]
    theirs = scores[nearest == j]
    gaps = np.concatenate((mine[:, 0] - mine[:, 1], theirs[:, 1] - theirs[:, 0]))
    return float(gaps.mean()) if len(gaps) else 0.0


def _merge_alike(embeddings: np.ndarray, centres: np.ndarray, same: float) -> np.ndarray:
    """Join the two clusters least apart while their ``separation`` is under ``same`` (one voice
    split in two)."""
    while len(centres) > 1:
        pairs = list(itertools.combinations(range(len(centres)), 2))
        apart = [separation(embeddings, centres, i, j) for i, j in pairs]
        k = int(np.argmin(apart))
        if apart[k] >= same:
            break
        i, j = pairs[k]
        joined = centres[i] + centres[j]
        centres = np.delete(centres, j, axis=0)
        centres[i] = joined / np.linalg.norm(joined)
        centres = _refine(embeddings, centres, rounds=2)
    return centres


def _drop_small(
    embeddings: np.ndarray, seconds: np.ndarray, centres: np.ndarray, minimum: float
) -> np.ndarray:
    """Remove clusters with less than ``minimum`` seconds of speech (each window counts its
    own share, ``seconds``); the windows join the nearest cluster left."""
    while len(centres) > 1:
        speech = _speech(embeddings, seconds, centres)
        smallest = int(np.argmin(speech))
        if speech[smallest] >= minimum:
            break
        centres = np.delete(centres, smallest, axis=0)
    return centres


def cluster(
    embeddings: np.ndarray,
    lengths: np.ndarray,
    settings: DiarizeSettings,
    narrow: bool = False,
) -> tuple[np.ndarray, int]:
    """(centroids, voices the threshold separates) of the windows' embeddings; ``narrow``:
    telephone-band audio (only full windows find the clusters, a lower ``same_speaker``)."""
    shortest = settings.window_s if narrow else settings.cluster_min_s
    full = embeddings[lengths >= min(shortest, float(lengths.max())) - 1e-6]
    if len(full) < 2:
        full = embeddings
    if len(full) < 2:
        return _centroids(full, np.zeros(len(full), int), 1), 1
    pick = np.linspace(0, len(full) - 1, min(len(full), settings.max_cluster_points))
    sample = full[np.unique(pick.round().astype(int))]
    merges = linkage(sample)
    same = settings.same_speaker_narrow if narrow else settings.same_speaker
    shares = shares_of(lengths, settings)

    def centres_for(wanted: int, minimum_s: float = settings.min_speaker_s) -> np.ndarray:
        wanted = max(1, min(wanted, len(sample)))
        centres = _refine(full, _centroids(sample, cut(len(sample), merges, wanted), wanted))
        centres = _drop_small(embeddings, shares, centres, minimum_s)
        return _refine(full, _merge_alike(full, centres, same))

    threshold = clusters_above(len(sample), merges, settings.cluster_threshold)
    heard = len(centres_for(min(threshold, settings.max_speakers + 1)))
    asked = settings.speakers or 1  # auto: one voice, then each further voice clearly apart
    minimum = settings.min_asked_speaker_s_narrow if narrow else settings.min_asked_speaker_s
    centres = centres_for(asked, minimum)
    if len(centres) < asked:
        return centres, heard
    for more in range(asked + 1, settings.max_speakers + 1):
        found = centres_for(more)
        if len(found) < more or not _adds_a_voice(
            embeddings, shares, found, *_apart_for(more, narrow, settings)
        ):
            break
        centres = found
    return centres, heard


def _apart_for(more: int, narrow: bool, settings: DiarizeSettings) -> tuple[float, float]:
    """(separation every pair needs, separation the smallest cluster needs) for ``more``
    voices, more than asked. ``auto``'s second voice answers the question two asked answer,
    one voice or two (``same_speaker``); any other voice beyond those asked (a third in a
    call) needs ``extra_voice`` (wideband, its smallest cluster ``extra_voice_least``)."""
    if more == 2 and settings.speakers is None:
        same = settings.same_speaker_narrow if narrow else settings.same_speaker
        return same, same
    return settings.extra_voice, settings.extra_voice if narrow else settings.extra_voice_least


def shares_of(lengths: np.ndarray, settings: DiarizeSettings) -> np.ndarray:
    """Seconds of speech each window stands for: a full window adds one step; a shorter one is
    its region's only window."""
    return np.where(lengths >= settings.window_s - 1e-6, settings.step_s, lengths)


def _adds_a_voice(
    embeddings: np.ndarray, seconds: np.ndarray, centres: np.ndarray, apart: float, least: float
) -> bool:
    """Whether ``centres`` (one cluster more than asked or found so far) are each a voice:
    every cluster has ``EXTRA_VOICE_MIN_S`` of speech and is at least ``apart`` of
    ``separation`` from every other, and the one with the least speech, the likeliest part of
    a voice split in two, at least ``least``."""
    speech = _speech(embeddings, seconds, centres)
    if speech.min() < EXTRA_VOICE_MIN_S:
        return False
    smallest = int(np.argmin(speech))
    for i, j in itertools.combinations(range(len(centres)), 2):
        if separation(embeddings, centres, i, j) < (least if smallest in (i, j) else apart):
            return False
    return True


def _speech(embeddings: np.ndarray, seconds: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Seconds of speech per cluster: each window's share (``seconds``) to its nearest centroid."""
    nearest = np.argmax(embeddings @ centres.T, axis=1)
    return np.bincount(nearest, weights=seconds, minlength=len(centres))
