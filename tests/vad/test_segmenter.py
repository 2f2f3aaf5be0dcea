"""Segmenter state machine with fake VADs: tones are speech, zeros and faint noise are not."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest

from agent_assist.config import VadConfig
from agent_assist.contracts import SpeechEnding, SpeechInProgress, Utterance
from agent_assist.vad.segmenter import FRAME, Output, Segmenter

RATE = 16_000
FRAME_S = FRAME / RATE
CONFIG = VadConfig(
    threshold=0.5,
    min_speech_ms=250,
    hangover_ms=500,
    tail_ms=300,
    pre_roll_ms=300,
    max_utterance_s=15.0,
)


def energy_vad(frame: np.ndarray) -> float:
    """A stand-in for Silero: loud frames are speech."""
    return 0.95 if float(np.sqrt(np.mean(np.square(frame)))) >= 0.02 else 0.02


class ScriptedVad:
    """Returns a scripted probability per frame number (frames arrive in order)."""

    def __init__(self, probability: Callable[[int], float]) -> None:
        self._probability = probability
        self.calls = 0

    def __call__(self, frame: np.ndarray) -> float:
        self.calls += 1
        return self._probability(self.calls - 1)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def noise(seconds: float, level: float = 0.003, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * RATE)) * level).astype(np.float32)


def tone(seconds: float, hz: float = 220.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def run(
    audio: np.ndarray,
    chunk: int | Sequence[int] = 1600,
    vad: Callable[[np.ndarray], float] = energy_vad,
    **kwargs: object,
) -> list[Output]:
    segmenter = Segmenter("customer", vad, kwargs.pop("config", CONFIG), **kwargs)  # type: ignore[arg-type]
    sizes = [chunk] * (len(audio) // chunk + 1) if isinstance(chunk, int) else list(chunk)
    out: list[Output] = []
    offset = 0
    for size in sizes:
        out.extend(segmenter.accept(audio[offset : offset + size]))
        offset += size
    out.extend(segmenter.accept(audio[offset:]))
    out.extend(segmenter.finish())
    return out


def utterances(out: list[Output]) -> list[Utterance]:
    return [item for item in out if isinstance(item, Utterance)]


def cut(audio: np.ndarray, **kwargs: object) -> list[Utterance]:
    """Run without progress reports: only utterances come out."""
    out = run(audio, **kwargs)  # type: ignore[arg-type]
    found = utterances(out)
    assert len(found) == len(out)
    return found


def test_silence_and_faint_noise_give_nothing() -> None:
    assert cut(silence(10.0)) == []
    assert cut(noise(10.0)) == []


def test_one_tone_burst_gets_pre_roll_and_trailing_pad() -> None:
    audio = np.concatenate([silence(2.0), tone(1.0), silence(3.0)])
    [utterance] = cut(audio)
    assert utterance.speaker == "customer"
    assert 2.0 - 0.3 - FRAME_S <= utterance.start <= 2.0 - 0.3
    assert 3.0 + 0.3 <= utterance.end <= 3.0 + 0.3 + FRAME_S
    assert len(utterance.audio) == round((utterance.end - utterance.start) * RATE)
    first = int(utterance.start * RATE)
    np.testing.assert_array_equal(utterance.audio, audio[first : first + len(utterance.audio)])


def test_utterance_is_emitted_only_after_the_hangover() -> None:
    audio = np.concatenate([silence(1.0), tone(1.0), silence(2.0)])
    segmenter = Segmenter("agent", energy_vad, CONFIG)
    assert segmenter.accept(audio[: int(2.45 * RATE)]) == []
    assert segmenter.speaking
    [utterance] = segmenter.accept(audio[int(2.45 * RATE) : int(2.6 * RATE)])
    assert utterance.speaker == "agent"
    assert not segmenter.speaking
    assert segmenter.finish() == []


def test_pause_shorter_than_hangover_keeps_one_utterance() -> None:
    audio = np.concatenate([silence(1.0), tone(1.0), silence(0.3), tone(1.0), silence(2.0)])
    [utterance] = cut(audio)
    assert utterance.start < 1.0 < 3.3 < utterance.end


def test_pre_roll_never_reaches_back_into_the_previous_utterance() -> None:
    audio = np.concatenate([silence(1.0), tone(1.0), silence(0.6), tone(1.0), silence(2.0)])
    first, second = cut(audio)
    assert second.start >= first.end
    assert second.start <= 2.6


@pytest.mark.parametrize(("burst_s", "kept"), [(0.1, False), (0.4, True)])
def test_minimum_speech_length(burst_s: float, kept: bool) -> None:
    audio = np.concatenate([silence(1.0), tone(burst_s), silence(2.0)])
    assert len(cut(audio)) == (1 if kept else 0)


def test_hysteresis_between_thresholds_neither_starts_nor_ends_silence() -> None:
    # 0.9 = speech, 0.4 = between neg-threshold (0.35) and threshold, 0.0 = silence.
    def script(frame: int) -> float:
        return 0.0 if frame < 31 else 0.9 if frame < 62 else 0.4 if frame < 93 else 0.0

    [utterance] = cut(silence(6.0), vad=ScriptedVad(script))
    assert utterance.start == pytest.approx((31 * FRAME - 4800) / RATE)
    assert utterance.end == pytest.approx((93 * FRAME + 4800) / RATE)


def test_in_between_probability_does_not_reset_a_silence_that_started() -> None:
    def script(frame: int) -> float:
        return 0.9 if 10 <= frame < 40 else 0.1 if 40 <= frame < 45 else 0.4 if frame >= 45 else 0.0

    [utterance] = cut(silence(4.0), vad=ScriptedVad(script))
    assert utterance.end == pytest.approx((40 * FRAME + 4800) / RATE)


def test_pre_roll_is_clipped_at_the_stream_start_and_times_offset() -> None:
    audio = np.concatenate([tone(1.0), silence(2.0)])
    [utterance] = cut(audio, start_time=100.0)
    assert utterance.start == pytest.approx(100.0)
    assert 101.3 <= utterance.end <= 101.3 + FRAME_S


def _monologue(seconds: float, dip_every: float, dip_s: float) -> tuple[np.ndarray, list[float]]:
    parts, dips, t = [], [], 0.0
    while t + dip_every < seconds:
        parts.append(tone(dip_every - dip_s))
        dips.append(t + dip_every - dip_s)
        parts.append(silence(dip_s))
        t += dip_every
    parts.append(tone(seconds - t))
    return np.concatenate(parts), dips


def test_long_monologue_is_split_at_pauses_without_losing_audio() -> None:
    speech, dips = _monologue(40.0, 4.1, 0.15)
    audio = np.concatenate([silence(1.0), speech, silence(2.0)])
    found = cut(audio)
    assert len(found) >= 3
    for utterance in found:
        assert utterance.end - utterance.start <= CONFIG.max_utterance_s + 1e-9
    for before, after in zip(found, found[1:], strict=False):
        assert after.start == pytest.approx(before.end)
        split = before.end - 1.0
        assert any(dip <= split <= dip + 0.15 for dip in dips), split
    joined = np.concatenate([u.audio for u in found])
    first = int(round(found[0].start * RATE))
    np.testing.assert_array_equal(joined, audio[first : first + len(joined)])


def test_split_picks_the_least_speech_like_frame_near_the_limit() -> None:
    def script(frame: int) -> float:
        if frame == 100:  # 3.2 s: far from the 15 s limit, must be ignored
            return 0.5
        if frame == 380:  # 12.16 s: the least speech-like frame near the limit
            return 0.55
        if frame == 400:  # later, but clearly more speech-like
            return 0.7
        return 0.9 if frame < 1100 else 0.0

    found = cut(silence(40.0), vad=ScriptedVad(script))
    assert found[0].end == pytest.approx((380 * FRAME + FRAME // 2) / RATE)


def test_continuous_speech_without_pauses_is_still_cut_at_the_limit() -> None:
    audio = np.concatenate([tone(35.0), silence(1.0)])
    found = cut(audio)
    assert len(found) == 3
    assert [u.split for u in found] == [True, True, False]
    assert all(u.end - u.start <= CONFIG.max_utterance_s + 1e-9 for u in found)
    joined = np.concatenate([u.audio for u in found])
    np.testing.assert_array_equal(joined, audio[: len(joined)])


def test_result_does_not_depend_on_chunk_sizes() -> None:
    speech, _ = _monologue(20.0, 3.3, 0.12)
    audio = np.concatenate(
        [noise(1.0), tone(0.6), noise(0.8, seed=2), tone(0.1), silence(1.0), speech, noise(1.5)]
    )
    reference = run(audio, chunk=len(audio) + 1, progress_interval_s=0.5)
    assert len(utterances(reference)) >= 3
    rng = np.random.default_rng(7)
    for chunk in (7, 512, 1600, 16_000, list(rng.integers(1, 5000, 2000))):
        other = run(audio, chunk=chunk, progress_interval_s=0.5)
        assert [_view(o) for o in other] == [_view(o) for o in reference]
        for a, b in zip(other, reference, strict=True):
            np.testing.assert_array_equal(_audio(a), _audio(b))


def _view(item: Output) -> tuple[type, float, float]:
    if isinstance(item, SpeechEnding):
        return (SpeechEnding, item.utterance.start, item.utterance.end)
    return (type(item), item.start, item.end if isinstance(item, Utterance) else item.now)


def _audio(item: Output) -> np.ndarray:
    return item.utterance.audio if isinstance(item, SpeechEnding) else item.audio


def test_ending_announces_the_utterance_that_follows_after_the_ending_pause() -> None:
    audio = np.concatenate([silence(1.0), tone(2.0), silence(2.0)])
    out = run(audio, progress_interval_s=0.5)
    [ending] = [o for o in out if isinstance(o, SpeechEnding)]
    [utterance] = utterances(out)
    assert out.index(ending) == out.index(utterance) - 1
    early = ending.utterance
    assert (early.start, early.speech_end) == (utterance.start, utterance.speech_end)
    assert early.end == pytest.approx(early.speech_end + 0.1, abs=FRAME_S)  # ending_ms
    np.testing.assert_array_equal(early.audio, utterance.audio[: len(early.audio)])
    assert utterance.speech_end == pytest.approx(3.0, abs=FRAME_S)
    assert utterance.end == pytest.approx(utterance.speech_end + 0.3, abs=FRAME_S)


def test_the_ending_pause_is_at_most_the_tail() -> None:
    audio = np.concatenate([silence(1.0), tone(2.0), silence(2.0)])
    config = CONFIG.model_copy(update={"ending_ms": 400})
    out = run(audio, config=config, progress_interval_s=0.5)
    [ending] = [o for o in out if isinstance(o, SpeechEnding)]
    [utterance] = utterances(out)
    assert ending.utterance.end == utterance.end  # capped at tail_ms (300)


def test_a_pause_shorter_than_the_hangover_gives_an_ending_that_does_not_hold() -> None:
    audio = np.concatenate([silence(1.0), tone(1.0), silence(0.4), tone(1.0), silence(2.0)])
    out = run(audio, progress_interval_s=0.5)
    first, last = [o.utterance for o in out if isinstance(o, SpeechEnding)]
    [utterance] = utterances(out)
    assert first.start == utterance.start and first.end < 2.5 < utterance.end
    assert (last.start, last.speech_end) == (utterance.start, utterance.speech_end)


def test_no_endings_without_progress_reports_or_for_too_short_speech() -> None:
    audio = np.concatenate([silence(1.0), tone(2.0), silence(2.0)])
    assert not any(isinstance(o, SpeechEnding) for o in run(audio))
    click = np.concatenate([silence(1.0), tone(0.1), silence(2.0)])
    assert run(click, progress_interval_s=0.5) == []


def test_progress_reports_the_growing_speech_at_the_interval() -> None:
    audio = np.concatenate([silence(1.0), tone(3.0), silence(2.0)])
    out = run(audio, progress_interval_s=0.5)
    progress = [o for o in out if isinstance(o, SpeechInProgress)]
    [utterance] = utterances(out)
    assert out[-1] is utterance
    assert 4 <= len(progress) <= 6
    nows = [p.now for p in progress]
    assert all(0.5 - 1e-9 <= b - a <= 0.5 + FRAME_S for a, b in zip(nows, nows[1:], strict=False))
    for item in progress:
        assert item.start == utterance.start
        assert item.now <= 4.0 + FRAME_S
        assert len(item.audio) == round((item.now - item.start) * RATE)
    assert len(cut(audio)) == 1


def test_finish_closes_speech_that_runs_to_the_end_of_the_stream() -> None:
    audio = np.concatenate([silence(1.0), tone(1.5)])[:-100]
    segmenter = Segmenter("customer", energy_vad, CONFIG)
    assert segmenter.accept(audio) == []
    [utterance] = segmenter.finish()
    assert utterance.end == pytest.approx(len(audio) / RATE)
    assert segmenter.time == pytest.approx(len(audio) / RATE)


def test_rejects_multichannel_input() -> None:
    with pytest.raises(ValueError):
        Segmenter("customer", energy_vad, CONFIG).accept(np.zeros((512, 2), dtype=np.float32))


@pytest.mark.parametrize("chunk", [160, 1600, 7000])
def test_no_utterance_starts_before_the_horizon_it_was_given_under(chunk: int) -> None:
    # Speech of many lengths (one past max_utterance_s, so it is split) between pauses.
    parts = [silence(0.7), tone(0.4), silence(0.2), tone(1.3), silence(2.0), tone(16.5)]
    parts += [silence(0.1), tone(0.2), silence(1.0), tone(2.0)]
    audio = np.concatenate(parts)
    segmenter = Segmenter("customer", energy_vad, CONFIG)
    found: list[tuple[float, Utterance]] = []
    for begin in range(0, len(audio), chunk):
        horizon = segmenter.horizon
        assert horizon <= segmenter.time
        out = segmenter.accept(audio[begin : begin + chunk])
        found += [(horizon, u) for u in out if isinstance(u, Utterance)]
    horizon = segmenter.horizon
    found += [(horizon, u) for u in segmenter.finish()]
    assert len(found) >= 4 and any(u.split for _, u in found)
    assert all(u.start >= horizon - 1e-9 for horizon, u in found)
