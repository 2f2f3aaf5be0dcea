"""Crosstalk gate on a mix built from real recorded speech."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from agent_assist.contracts import SAMPLE_RATE
from agent_assist.crosstalk import CrosstalkGate, EnvelopeTrack, explained_share

DATA = Path(__file__).parent / "data"


def clip(name: str) -> np.ndarray:
    audio, rate = sf.read(DATA / name, dtype="float32")
    assert rate == SAMPLE_RATE
    return audio


def leak(
    customer: np.ndarray, gain: float = 0.25, delay_s: float = 0.04, seed: int = 1
) -> np.ndarray:
    """The customer as the agent's mic hears it: quieter, delayed, with a short room tail."""
    rng = np.random.default_rng(seed)
    tail = rng.standard_normal(int(0.08 * SAMPLE_RATE)) * np.exp(
        -np.linspace(0, 6, int(0.08 * SAMPLE_RATE))
    )
    tail[0] = 4.0
    room = np.convolve(customer, tail / np.sum(np.abs(tail)) * 3)[: len(customer)]
    delay = int(delay_s * SAMPLE_RATE)
    return gain * np.concatenate((np.zeros(delay, np.float32), room[:-delay])).astype(np.float32)


def place(total_s: float, *parts: tuple[float, np.ndarray]) -> np.ndarray:
    out = np.zeros(int(total_s * SAMPLE_RATE), dtype=np.float32)
    for at, audio in parts:
        begin = int(at * SAMPLE_RATE)
        out[begin : begin + len(audio)] += audio[: len(out) - begin]
    return out


@pytest.fixture(scope="module")
def mix() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    customer = place(18.0, (0.0, clip("jfk.flac")))
    own = clip("librivox_ill_disposed.flac")
    agent = leak(customer) + place(18.0, (3.0, own), (13.0, own))
    agent += (rng.standard_normal(len(agent)) * 10 ** (-60 / 20)).astype(np.float32)
    return customer, agent


def gate_for(customer: np.ndarray, agent: np.ndarray, block_s: float = 0.05) -> CrosstalkGate:
    gate = CrosstalkGate()
    step = int(block_s * SAMPLE_RATE)
    for begin in range(0, len(customer), step):
        gate.add("customer", customer[begin : begin + step], begin / SAMPLE_RATE)
        gate.add("agent", agent[begin : begin + step], begin / SAMPLE_RATE)
    return gate


def test_the_customer_heard_on_the_agent_mic_is_gated(mix) -> None:  # noqa: ANN001
    gate = gate_for(*mix)
    for start, end in [(0.2, 2.4), (6.6, 8.2), (8.4, 10.8), (0.0, 2.9)]:
        assert gate.is_crosstalk("agent", start, end), (start, end)


def test_the_agents_own_speech_passes_alone_and_over_the_customer(mix) -> None:  # noqa: ANN001
    gate = gate_for(*mix)
    assert not gate.is_crosstalk("agent", 13.0, 16.0)
    assert not gate.is_crosstalk("agent", 3.0, 6.0)
    assert not gate.is_crosstalk("customer", 0.2, 2.4)


def test_a_mic_that_hears_nothing_of_the_customer_is_never_gated() -> None:
    customer = place(6.0, (0.0, clip("jfk.flac")[: 5 * SAMPLE_RATE]))
    agent = place(6.0, (0.5, clip("librivox_ill_disposed.flac")))
    gate = gate_for(customer, agent)
    assert not gate.is_crosstalk("agent", 0.5, 3.5)


def test_the_envelope_track_keeps_call_time_across_gaps() -> None:
    track = EnvelopeTrack(history_s=10.0)
    track.add(np.full(SAMPLE_RATE, 0.5, np.float32), 0.0)
    track.add(np.full(SAMPLE_RATE, 0.1, np.float32), 3.0)
    window = track.window(0.0, 4.0)
    assert len(window) == 200
    assert np.allclose(window[:50], 0.5) and np.allclose(window[50:150], 0.0)
    assert np.allclose(window[150:], 0.1, atol=1e-6)
    track.add(np.full(20 * SAMPLE_RATE, 0.2, np.float32), 4.0)
    assert np.allclose(track.window(0.0, 1.0), 0.0)
    assert np.allclose(track.window(20.0, 24.0), 0.2)


def test_explained_share_finds_a_delayed_scaled_copy() -> None:
    rng = np.random.default_rng(3)
    source = np.abs(rng.standard_normal(300)).astype(np.float32)
    target = 0.3 * source[10:260]
    assert explained_share(target, source[2:], max_lead=12, max_skew=3) > 0.99
    assert explained_share(np.abs(rng.standard_normal(250)), source, 12, 3) < 0.1
