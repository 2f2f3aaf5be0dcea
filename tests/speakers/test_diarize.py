"""Diarization: the DER scorer on hand cases, clustering, and turns from a fake embedder (tones
stand in for voices); the real encoder on real speech is in the slow tests below."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from agent_assist.audio.files import load_call
from agent_assist.config import VadConfig
from agent_assist.contracts import Utterance
from agent_assist.speakers.clustering import cluster, clusters_above, cut, linkage, separation
from agent_assist.speakers.diarize import Diarizer, DiarizeSettings, diarize_blocks, diarize_file
from agent_assist.speakers.scoring import diarization_error
from agent_assist.speakers.turns import Diarization, label_regions
from agent_assist.vad.segmenter import Segmenter

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


def _two_voices_apart(rng: np.random.Generator, wanted: tuple[float, float]) -> np.ndarray:
    """Windows of two voices whose ``separation`` lies inside ``wanted``."""
    for mix in np.linspace(0.0, 0.9, 91):
        a, b = np.eye(32)[0], (1 - mix) * np.eye(32)[1] + mix * np.eye(32)[0]
        points = _points(rng, [a, b / np.linalg.norm(b)], 40)
        labels = np.repeat([0, 1], 40)
        centres = np.stack([points[labels == k].mean(axis=0) for k in (0, 1)])
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)
        if wanted[0] < separation(points, centres, 0, 1) < wanted[1]:
            return points
    raise AssertionError(f"no mix gives a separation in {wanted}")


def test_auto_adds_a_second_voice_by_the_rule_that_splits_two_asked() -> None:
    """Two voices apart by more than ``same_speaker`` but less than ``extra_voice``: two asked
    keeps them apart, and so must ``auto`` (one voice or two is the same question), while a
    third voice that close would not be kept."""
    settings = DiarizeSettings()
    points = _two_voices_apart(
        np.random.default_rng(3), (settings.same_speaker + 0.01, settings.extra_voice - 0.01)
    )
    lengths = np.full(len(points), settings.window_s)
    asked, _ = cluster(points, lengths, settings)
    auto, _ = cluster(points, lengths, replace(settings, speakers=None))
    assert len(asked) == len(auto) == 2
    one, _ = cluster(points, lengths, replace(settings, speakers=1))
    assert len(one) == 1  # a second voice beyond those asked is a further voice


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
    assert result.note == "one voice found: 1 speaker (2 asked)"


def test_silence_has_no_speakers() -> None:
    result = run(gap(5.0))
    assert result.turns == () and result.speakers == ()
    assert result.note == "no speech found: no speakers"
    assert result.duration == pytest.approx(5.0)


def test_a_third_voice_is_kept_apart_from_one_or_two_asked_and_reported_when_limited() -> None:
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
    asked_two = run(audio, DiarizeSettings(speakers=2))
    assert [t.speaker for t in asked_two.turns] == [0, 1, 2, 1]
    assert (
        asked_two.note
        == "3 speakers found (2 asked; 1 more voice(s) clearly apart, kept as 'other')"
    )
    limited = run(audio, DiarizeSettings(speakers=None, max_speakers=2))
    assert limited.count == 2
    assert limited.note == "2 speakers found (more voices heard; at most 2 kept: some were merged)"


def test_one_voice_with_a_lone_stray_window_is_one_speaker_even_when_two_are_asked() -> None:
    """Under a second of another "voice" (one window) is not a speaker: one voice, said so."""
    audio = np.concatenate([gap(0.3), tone(0, 6.0), gap(0.6), tone(1, 0.9), gap(0.5)])
    result = run(audio, DiarizeSettings(speakers=2))
    assert result.count == 1
    assert result.note == "one voice found: 1 speaker (2 asked)"
    longer = np.concatenate([gap(0.3), tone(0, 6.0), gap(0.6), tone(1, 2.5), gap(0.5)])
    assert run(longer, DiarizeSettings(speakers=2)).count == 2


def test_result_does_not_depend_on_block_size() -> None:
    audio = np.concatenate([gap(0.5), tone(1, 3.0), gap(0.7), tone(0, 2.5), gap(0.4)])
    assert run(audio, block=512).turns == run(audio, block=48_000).turns


def test_windows_wait_to_be_embedded_up_to_the_lag_and_the_turns_do_not_change() -> None:
    audio = np.concatenate([np.concatenate([tone(i % 2, 3.0), gap(0.7)]) for i in range(16)])
    embedder = ToneEmbedder()
    diarizer = Diarizer(embedder, energy_vad, VadConfig(threshold=0.5), lag_s=10.0)
    waiting = []
    for start in range(0, len(audio), 4000):
        diarizer.accept(audio[start : start + 4000])
        waiting.append(diarizer._waiting_s)
    assert 6.0 < max(waiting) <= 10.0 + 3.0  # the lag and one region, never the whole call
    embedded = embedder.calls

    diarizer.end_of_audio()

    assert diarizer.take_regions()  # the last region is out before its windows are embedded
    assert embedder.calls == embedded
    found = diarizer.finish()
    assert embedder.calls > embedded
    eager = Diarizer(ToneEmbedder(), energy_vad, VadConfig(threshold=0.5), lag_s=0.0)
    for start in range(0, len(audio), 4000):
        eager.accept(audio[start : start + 4000])
    assert found.turns == eager.finish().turns
    assert [t.speaker for t in found.turns] == [i % 2 for i in range(16)]


def test_label_regions_without_windows_still_gives_turns() -> None:
    result = label_regions([(0.0, 0.3, [])], np.zeros((0, 0)), [], 1.0, DiarizeSettings())
    assert [(t.start, t.end, t.speaker) for t in result.turns] == [(0.0, 0.3, 0)]


# --- the real encoder on real speech (tests/data: JFK and a LibriVox reader) -----------------

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def real() -> tuple[object, object]:
    from agent_assist.speakers.campplus import CamppEncoder
    from agent_assist.vad.silero import SileroVad

    return CamppEncoder.load(), SileroVad.load()


def clip(name: str) -> np.ndarray:
    return load_call(DATA / f"{name}.flac")["customer"]


def diarize(real: tuple[object, object], audio: np.ndarray, **settings: object) -> Diarization:
    encoder, vad = real
    vad.reset()  # type: ignore[attr-defined]
    blocks = (audio[i : i + 8000] for i in range(0, len(audio), 8000))
    return diarize_blocks(blocks, encoder, vad, VadConfig(), DiarizeSettings(**settings))  # type: ignore[arg-type]


def turns_of(result: Diarization) -> list[tuple[float, float, int]]:
    return [(t.start, t.end, t.speaker) for t in result.turns]


def speech_spans(
    real: tuple[object, object], audio: np.ndarray, offset: float
) -> list[tuple[float, float]]:
    """Where Silero (threshold 0.5) hears speech in one part alone: the ground truth."""
    _, vad = real
    vad.reset()  # type: ignore[attr-defined]
    config = VadConfig(threshold=0.5, min_speech_ms=100, hangover_ms=200, pre_roll_ms=0, tail_ms=0)
    segmenter = Segmenter("customer", vad, config)  # type: ignore[arg-type]
    cut = [u for u in segmenter.accept(audio) if isinstance(u, Utterance)] + segmenter.finish()
    return [(offset + u.start, offset + (u.speech_end or u.end)) for u in cut]


def real_mix(
    real: tuple[object, object], pause_s: float = 0.6
) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    """JFK and the LibriVox reader taking turns (each cut at one of their pauses)."""
    jfk, reader = clip("jfk"), clip("librivox_reader")
    parts = [
        ("jfk", jfk[: int(7.7 * RATE)]),
        ("reader", reader[: int(10.6 * RATE)]),
        ("jfk", jfk[int(7.7 * RATE) :]),
        ("reader", reader[int(10.6 * RATE) :]),
    ]
    audio: list[np.ndarray] = []
    reference: list[tuple[float, float, str]] = []
    for name, part in parts:
        offset = sum(len(a) for a in audio) / RATE
        reference += [(a, b, name) for a, b in speech_spans(real, part, offset)]
        audio += [part, gap(pause_s)]
    return np.concatenate(audio), reference


@pytest.mark.slow
def test_real_voices_are_told_apart(real: tuple[object, object]) -> None:
    audio, reference = real_mix(real)
    result = diarize(real, audio)
    assert result.count == 2 and result.note == "2 speakers found"
    assert diarization_error(reference, turns_of(result)).der < 0.1
    assert result.turns[0].speaker == 0 and result.turns[-1].speaker == 1


@pytest.mark.slow
def test_a_third_real_voice_after_a_transfer_is_kept_apart(real: tuple[object, object]) -> None:
    """The agent (the LibriVox reader) and the customer (the "cards" speaker) talk, then a
    supervisor (JFK) takes over: with the default two speakers asked, the supervisor is a
    third speaker, not merged into the agent (21.7 % DER when merged)."""
    reader, jfk = clip("librivox_reader"), clip("jfk")
    cards = np.split(clip("cards_speaker"), [int(s * RATE) for s in (1.4, 3.9, 5.9, 7.9)])
    parts = [
        ("agent", reader[: int(10.6 * RATE)]),
        ("customer", cards[0]),
        ("agent", reader[int(10.6 * RATE) : int(18.0 * RATE)]),
        ("customer", np.concatenate(cards[1:3])),
        ("supervisor", jfk[: int(7.7 * RATE)]),
        ("customer", cards[3]),
        ("supervisor", jfk[int(7.7 * RATE) :]),
        ("customer", cards[4]),
    ]
    audio: list[np.ndarray] = []
    reference: list[tuple[float, float, str]] = []
    for name, part in parts:
        offset = sum(len(a) for a in audio) / RATE
        reference += [(a, b, name) for a, b in speech_spans(real, part, offset)]
        audio += [part, gap(0.6)]
    result = diarize(real, np.concatenate(audio))
    assert result.count == 3
    assert "2 asked" in result.note
    assert diarization_error(reference, turns_of(result)).der < 0.05
    auto = diarize(real, np.concatenate(audio), speakers=None)  # from one voice up
    assert auto.count == 3 and auto.note == "3 speakers found"


@pytest.mark.slow
def test_one_voice_split_by_more_speech_is_not_a_third_voice(real: tuple[object, object]) -> None:
    """The cards speaker and JFK taking turns, played twice over: with twice the speech, the
    cards speaker's voice splits into two clusters 0.27 apart, each with enough speech to be a
    voice; that split is not a third speaker (it was, kept as 'other', at 0.22)."""
    jfk, cards = clip("jfk"), clip("cards_speaker")
    c = np.split(cards, [int(s * RATE) for s in (1.4, 3.9, 5.9, 7.9)])
    j = np.split(jfk, [int(7.7 * RATE)])
    call = np.concatenate(
        [x for p in (c[0], j[0], c[1], c[2], j[1], c[3], c[4]) for x in (p, gap(0.6))]
    )

    result = diarize(real, np.tile(call, 2))

    assert result.count == 2 and result.note == "2 speakers found"


@pytest.mark.slow
def test_real_room_noise_in_the_pauses_does_not_join_the_turns(real: tuple[object, object]) -> None:
    """One voice in a room (wideband): its pauses (0.5-1.1 s, room noise in them) end its turns,
    as the plain VAD ends its utterances; the noise-floor assist is for 8 kHz lines only (it
    made one 25 s turn of this recording, transcribed in equal parts cut mid-sentence)."""
    result = diarize(real, clip("mfa_acoustic_corpus"))
    assert result.count == 1
    starts = [round(t.start, 1) for t in result.turns]
    assert len(result.turns) >= 3, starts
    assert max(t.end - t.start for t in result.turns) < 20.0


@pytest.mark.slow
def test_real_change_of_voice_without_a_pause(real: tuple[object, object]) -> None:
    jfk, reader = clip("jfk"), clip("librivox_reader")
    first = jfk[: int(7.6 * RATE)]
    second = reader[int(0.3 * RATE) : int(6.8 * RATE)]  # its speech, no leading silence
    result = diarize(real, np.concatenate([first, second, gap(0.3)]))
    assert result.count == 2
    changes = [
        b.start
        for a, b in zip(result.turns, result.turns[1:], strict=False)
        if a.speaker != b.speaker
    ]
    assert len(changes) >= 1
    assert min(abs(c - 7.6) for c in changes) < 0.6


@pytest.mark.slow
def test_real_telephone_band_with_noise(real: tuple[object, object], tmp_path: Path) -> None:
    from agent_assist.audio.resample import resample

    audio, reference = real_mix(real)
    narrow = resample(audio, RATE, 8000)
    narrow += np.random.default_rng(3).standard_normal(len(narrow)).astype(np.float32) * 0.004
    path = tmp_path / "mix.8k.wav"
    sf.write(path, narrow, 8000, subtype="PCM_16")
    encoder, vad = real
    vad.reset()  # type: ignore[attr-defined]
    result = diarize_file(path, encoder, vad, VadConfig())  # type: ignore[arg-type]
    assert result.count == 2
    assert diarization_error(reference, turns_of(result)).der < 0.15


@pytest.mark.slow
def test_real_one_voice_is_one_speaker_and_says_so(real: tuple[object, object]) -> None:
    result = diarize(real, clip("librivox_reader"))
    assert result.count == 1
    assert result.note == "one voice found: 1 speaker (2 asked)"
    assert len(result.turns) >= 5


@pytest.mark.slow
@pytest.mark.parametrize("name", ["cards_speaker", "mfa_acoustic_corpus", "ivr_main"])
def test_real_one_voice_on_a_noisy_8_khz_line_is_one_speaker(
    real: tuple[object, object], tmp_path: Path, name: str
) -> None:
    from agent_assist.audio.resample import resample

    narrow = resample(clip(name), RATE, 8000)
    level = float(np.sqrt(np.mean(np.square(narrow))))
    narrow += np.random.default_rng(5).standard_normal(len(narrow)).astype(np.float32) * level / 10
    path = tmp_path / f"{name}.8k.wav"
    sf.write(path, narrow, 8000, subtype="PCM_16")
    encoder, vad = real
    vad.reset()  # type: ignore[attr-defined]
    result = diarize_file(path, encoder, vad, VadConfig())  # type: ignore[arg-type]
    assert result.count == 1, result.note
    assert result.note == "one voice found: 1 speaker (2 asked)"


@pytest.mark.slow
def test_real_silence_and_noise_have_no_speaker(real: tuple[object, object]) -> None:
    hiss = np.random.default_rng(1).standard_normal(5 * RATE).astype(np.float32) * 0.003
    for audio in (gap(5.0), hiss):
        result = diarize(real, audio)
        assert result.speakers == () and result.note == "no speech found: no speakers"
