"""Diarization: the DER scorer on hand cases, clustering, and turns from a fake embedder (tones
stand in for voices); the real encoder on real speech is in the slow tests below."""

from __future__ import annotations

import numpy as np
import pytest

from agent_assist.config import VadConfig
from agent_assist.speakers.diarize import (
    Diarizer,
    DiarizeSettings,
    clusters_above,
    cut,
    label_regions,
    linkage,
)
from agent_assist.speakers.scoring import diarization_error

RATE = 16_000
VOICES = (220.0, 470.0, 910.0)


# --- the scorer -------------------------------------------------------------------------------


def test_der_is_zero_for_a_relabelled_perfect_answer() -> None:
    reference = [(0.0, 2.0, "A"), (2.5, 4.0, "B")]
    hypothesis = [(0.0, 2.0, 7), (2.5, 4.0, 3)]
    result = diarization_error(reference, hypothesis, collar=0.0)
    assert result.der == 0.0 and result.reference_s == pytest.approx(3.5)


def test_der_counts_missed_false_alarm_and_confusion() -> None:
    reference = [(0.0, 4.0, "A"), (4.0, 6.0, "B")]
    # 1 s of A missed, 1 s false alarm after the end, and B's 2 s called A
    hypothesis = [(1.0, 6.0, "x"), (6.0, 7.0, "x")]
    result = diarization_error(reference, hypothesis, collar=0.0)
    assert result.missed_s == pytest.approx(1.0)
    assert result.false_alarm_s == pytest.approx(1.0)
    assert result.confusion_s == pytest.approx(2.0)
    assert result.der == pytest.approx(4.0 / 6.0)


def test_der_collar_forgives_boundaries_only() -> None:
    reference = [(0.0, 3.0, "A"), (3.0, 6.0, "B")]
    late = [(0.0, 3.2, "a"), (3.2, 6.0, "b")]
    assert diarization_error(reference, late, collar=0.25).der == 0.0
    assert diarization_error(reference, late, collar=0.0).confusion_s == pytest.approx(0.2)
    # the scored reference shrinks by the collar around every boundary (0, 3, 6)
    assert diarization_error(reference, late, collar=0.25).reference_s == pytest.approx(5.0)


def test_der_overlap_counts_each_reference_speaker() -> None:
    reference = [(0.0, 2.0, "A"), (1.0, 3.0, "B")]
    hypothesis = [(0.0, 1.5, "a"), (1.5, 3.0, "b")]
    result = diarization_error(reference, hypothesis, collar=0.0)
    assert result.reference_s == pytest.approx(4.0)
    assert result.missed_s == pytest.approx(1.0)  # one of two overlapped voices
    assert result.confusion_s == pytest.approx(0.0)


# --- clustering ------------------------------------------------------------------------------


def _points(rng: np.random.Generator, centres: list[np.ndarray], each: int) -> np.ndarray:
    rows = [c + 0.1 * rng.standard_normal((each, len(c))) for c in centres]
    points = np.concatenate(rows)
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def test_linkage_separates_clear_groups_and_counts_them_by_threshold() -> None:
    rng = np.random.default_rng(1)
    centres = [np.eye(16)[i] for i in range(3)]
    points = _points(rng, centres, 20)
    merges = linkage(points)
    labels = cut(len(points), merges, 3)
    for group in range(3):
        assert len(set(labels[group * 20 : group * 20 + 20])) == 1
    assert len(set(labels)) == 3
    assert clusters_above(len(points), merges, 0.5) == 3


# --- turns from a fake embedder ---------------------------------------------------------------


class ToneEmbedder:
    """Embeds a window as its energy in bands around each fake voice's pitch."""

    calls = 0

    def embed_windows(
        self, audio: np.ndarray, sr: int, window_s: float = 1.6, step_s: float = 0.4
    ) -> tuple[np.ndarray, np.ndarray]:
        size, hop = int(round(window_s * sr)), int(round(step_s * sr))
        starts = list(range(0, max(len(audio) - size, 0) + 1, max(hop, 1)))
        rows = []
        for start in starts:
            spectrum = np.abs(np.fft.rfft(audio[start : start + size]))
            freqs = np.fft.rfftfreq(size, 1 / sr)
            bands = [spectrum[np.abs(freqs - f) < 30].sum() for f in VOICES]
            vector = np.array([*bands, 0.05 * sum(bands)]) + 1e-9
            rows.append(vector / np.linalg.norm(vector))
        self.calls += 1
        return np.array(starts) / sr, np.array(rows)


def energy_vad(frame: np.ndarray) -> float:
    return 0.95 if float(np.sqrt(np.mean(np.square(frame)))) >= 0.02 else 0.02


def tone(voice: int, seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * VOICES[voice] * t)).astype(np.float32)


def gap(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def run(audio: np.ndarray, settings: DiarizeSettings | None = None, block: int = 4000):  # noqa: ANN201
    diarizer = Diarizer(ToneEmbedder(), energy_vad, VadConfig(threshold=0.5), settings)
    for start in range(0, len(audio), block):
        diarizer.accept(audio[start : start + block])
    return diarizer.finish()


def test_alternating_voices_become_turns_with_speakers_by_first_appearance() -> None:
    audio = np.concatenate(
        [gap(0.5), tone(1, 3.0), gap(0.7), tone(0, 2.5), gap(0.6), tone(1, 2.0), gap(1.0)]
    )
    result = run(audio)
    assert [t.speaker for t in result.turns] == [0, 1, 0]
    reference = [(0.5, 3.5, "B"), (4.2, 6.7, "A"), (7.3, 9.3, "B")]
    hypothesis = [(t.start, t.end, t.speaker) for t in result.turns]
    assert diarization_error(reference, hypothesis).der < 0.05
    assert result.count == 2 and result.note == "2 speakers found"
    assert [s.speaker for s in result.speakers] == [0, 1]
    assert result.speakers[0].seconds == pytest.approx(5.0, abs=0.3)
    assert result.speakers[0].turns == 2


def test_a_change_of_voice_without_a_pause_is_a_turn_boundary() -> None:
    audio = np.concatenate([gap(0.3), tone(0, 4.0), tone(1, 4.0), gap(0.5)])
    result = run(audio)
    assert [t.speaker for t in result.turns] == [0, 1]
    assert result.turns[0].end == pytest.approx(4.3, abs=0.25)


def test_short_turn_keeps_its_voice_and_blips_inside_a_region_are_smoothed() -> None:
    audio = np.concatenate(
        [
            gap(0.3),
            tone(0, 4.0),
            gap(0.6),
            tone(1, 0.8),
            gap(0.6),
            tone(0, 4.0),
            gap(0.5),
            tone(1, 3.0),
            tone(0, 0.3),
            tone(1, 3.0),
            gap(0.3),
        ]
    )
    result = run(audio)
    # the 0.3 s blip of voice 0 inside voice 1's region is below min_turn_s: smoothed away
    assert [t.speaker for t in result.turns] == [0, 1, 0, 1]
    assert result.turns[1].end - result.turns[1].start == pytest.approx(0.8, abs=0.15)
    assert result.turns[3].end - result.turns[3].start == pytest.approx(6.3, abs=0.15)


def test_one_voice_is_one_speaker_and_says_so() -> None:
    audio = np.concatenate([gap(0.3), tone(0, 3.0), gap(0.8), tone(0, 3.0), gap(0.3)])
    result = run(audio)
    assert result.count == 1
    assert {t.speaker for t in result.turns} == {0}
    assert result.note == "one voice found: 1 speaker"


def test_silence_has_no_speakers() -> None:
    result = run(gap(5.0))
    assert result.turns == () and result.speakers == ()
    assert result.note == "no speech found: no speakers"
    assert result.duration == pytest.approx(5.0)


def test_three_voices_are_kept_apart_when_estimated_and_reported_when_capped() -> None:
    audio = np.concatenate(
        [
            gap(0.3),
            tone(2, 4.0),
            gap(0.6),
            tone(0, 4.0),
            gap(0.6),
            tone(1, 4.0),
            gap(0.5),
            tone(0, 3.0),
            gap(0.5),
        ]
    )
    auto = run(audio, DiarizeSettings(speakers=None))
    assert [t.speaker for t in auto.turns] == [0, 1, 2, 1]
    assert auto.note == "3 speakers found"
    capped = run(audio, DiarizeSettings(speakers=2))
    assert capped.count == 2
    assert (
        capped.note
        == "2 speakers found (3 voices heard, more than the 2 asked for: some were merged)"
    )


def test_result_does_not_depend_on_block_size() -> None:
    audio = np.concatenate([gap(0.5), tone(1, 3.0), gap(0.7), tone(0, 2.5), gap(0.4)])
    assert run(audio, block=512).turns == run(audio, block=48_000).turns


def test_label_regions_without_windows_still_gives_turns() -> None:
    result = label_regions([(0.0, 0.3, [])], np.zeros((0, 0)), [], 1.0, DiarizeSettings())
    assert [(t.start, t.end, t.speaker) for t in result.turns] == [(0.0, 0.3, 0)]
