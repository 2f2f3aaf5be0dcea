"""load_call on real speech in many containers, rates and layouts, and on every kind of bad file."""

from __future__ import annotations

import os
import struct
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf

from agent_assist.audio.files import AUDIO_SUFFIXES, input_problem, load_call, open_call
from agent_assist.audio.resample import resample
from agent_assist.errors import AudioError

DATA = Path(__file__).resolve().parents[1] / "data"
JFK = DATA / "jfk.flac"
LIBRIVOX = DATA / "librivox_ill_disposed.flac"


@pytest.fixture(scope="module")
def jfk() -> np.ndarray:
    audio, rate = sf.read(JFK, dtype="float32")
    assert rate == 16_000
    return audio


@pytest.fixture(scope="module")
def librivox(jfk: np.ndarray) -> np.ndarray:
    audio, _ = sf.read(LIBRIVOX, dtype="float32")
    return np.pad(audio, (0, len(jfk) - len(audio)))


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    n = min(len(a), len(b))
    return float(np.corrcoef(a[:n], b[:n])[0, 1])


def test_mono_flac_is_the_customer_at_16k(jfk: np.ndarray) -> None:
    roles = load_call(JFK)
    assert list(roles) == ["customer"]
    assert roles["customer"].dtype == np.float32
    np.testing.assert_allclose(roles["customer"], jfk, atol=1e-6)


def test_mono_role_can_be_the_agent() -> None:
    assert list(load_call(JFK, mono_role="agent")) == ["agent"]


def test_8khz_telephone_wav_is_resampled_to_16k(tmp_path: Path, jfk: np.ndarray) -> None:
    path = tmp_path / "phone.wav"
    narrow = resample(jfk, 16_000, 8_000)
    sf.write(path, narrow, 8_000, subtype="PCM_16")
    audio = load_call(path)["customer"]
    assert abs(len(audio) - len(jfk)) <= 2
    # Band-limited to 4 kHz, the speech itself must survive.
    assert _correlation(audio, jfk) > 0.95


def test_stereo_maps_left_to_agent_and_right_to_customer(
    tmp_path: Path, jfk: np.ndarray, librivox: np.ndarray
) -> None:
    path = tmp_path / "call.wav"
    stereo = np.stack([resample(jfk, 16_000, 44_100), resample(librivox, 16_000, 44_100)], axis=1)
    sf.write(path, stereo, 44_100, subtype="FLOAT")
    roles = load_call(path)
    assert set(roles) == {"agent", "customer"}
    assert _correlation(roles["agent"], jfk) > 0.99
    assert _correlation(roles["customer"], librivox) > 0.99
    swapped = load_call(path, stereo_left="customer")
    assert _correlation(swapped["customer"], jfk) > 0.99
    assert _correlation(swapped["agent"], librivox) > 0.99


def test_stereo_with_identical_channels_counts_as_mono(tmp_path: Path, jfk: np.ndarray) -> None:
    path = tmp_path / "dual_mono.wav"
    sf.write(path, np.stack([jfk, jfk], axis=1), 16_000)
    assert list(load_call(path, mono_role="agent")) == ["agent"]


@pytest.mark.parametrize(("suffix", "fmt"), [(".ogg", "OGG"), (".mp3", "MP3")])
def test_lossy_formats_read_back(tmp_path: Path, jfk: np.ndarray, suffix: str, fmt: str) -> None:
    path = tmp_path / f"call{suffix}"
    sf.write(path, resample(jfk, 16_000, 48_000), 48_000, format=fmt)
    audio = load_call(path)["customer"]
    # MP3 encoders add up to ~50 ms of priming delay; the length must still match the speech.
    assert abs(len(audio) - len(jfk)) < 0.1 * 16_000
    assert 0.7 < float(np.std(audio) / np.std(jfk)) < 1.3


def test_ffmpeg_fallback_reads_aac_in_m4a(tmp_path: Path, jfk: np.ndarray) -> None:
    path = tmp_path / "call.m4a"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=16_000, layout="mono")
        frame = av.AudioFrame.from_ndarray(jfk[np.newaxis, :], format="fltp", layout="mono")
        frame.sample_rate = 16_000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    audio = load_call(path)["customer"]
    assert abs(len(audio) - len(jfk)) < 0.1 * 16_000
    assert 0.7 < float(np.std(audio) / np.std(jfk)) < 1.3


def test_suffixes_cover_the_documented_formats() -> None:
    assert {".wav", ".flac", ".ogg", ".mp3"} <= AUDIO_SUFFIXES


def _wav_with_format_tag(path: Path, tag: int) -> None:
    data = np.arange(2000, dtype="<i2").tobytes()
    fmt = struct.pack("<HHIIHH", tag, 1, 16_000, 32_000, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


def _make_bad(kind: str, tmp_path: Path) -> Path:
    if kind == "missing":
        return tmp_path / "nowhere.wav"
    if kind == "folder":
        folder = tmp_path / "calls.wav"
        folder.mkdir()
        return folder
    path = tmp_path / f"{kind}.wav"
    if kind == "empty":
        path.touch()
    elif kind == "text":
        path.write_text("this is a meeting note, not audio\n" * 20)
    elif kind == "random-bytes":
        path = tmp_path / "random.mp3"
        path.write_bytes(
            np.random.default_rng(1).integers(0, 256, 20_000, dtype=np.uint8).tobytes()
        )
    elif kind in ("truncated-data", "truncated-header"):
        full = tmp_path / "full.wav"
        sf.write(full, np.zeros(16_000, dtype=np.float32) + 0.1, 16_000, subtype="PCM_16")
        raw = full.read_bytes()
        path.write_bytes(raw[: len(raw) // 2] if kind == "truncated-data" else raw[:30])
    elif kind == "zero-length":
        sf.write(path, np.zeros(0, dtype=np.float32), 16_000)
    elif kind == "unsupported-codec":
        _wav_with_format_tag(path, 0x7777)
    return path


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("missing", "not found"),
        ("folder", "not a file"),
        ("empty", "empty"),
        ("text", "not an audio file"),
        ("random-bytes", ""),
        ("truncated-data", "truncated"),
        ("truncated-header", "truncated"),
        ("zero-length", "no audio samples"),
        ("unsupported-codec", "unsupported"),
    ],
)
def test_bad_input_is_one_line_naming_the_file(tmp_path: Path, kind: str, reason: str) -> None:
    path = _make_bad(kind, tmp_path)
    with pytest.raises(AudioError) as caught:
        load_call(path)
    message = str(caught.value)
    assert str(path) in message
    assert "\n" not in message
    assert reason in message


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "call.wav"
    os.mkfifo(path)
    return path


def _loop(tmp_path: Path) -> Path:
    (tmp_path / "a.wav").symlink_to(tmp_path / "b.wav")
    (tmp_path / "b.wav").symlink_to(tmp_path / "a.wav")
    return tmp_path / "a.wav"


def _dangling(tmp_path: Path) -> Path:
    (tmp_path / "call.wav").symlink_to(tmp_path / "gone.wav")
    return tmp_path / "call.wav"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="FIFOs and /dev/zero")
@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_fifo, "is a named pipe (FIFO), not a regular file"),
        (lambda tmp_path: Path("/dev/zero"), "is a character device, not a regular file"),
        (_loop, "symbolic link loop"),
        (_dangling, "broken symbolic link"),
    ],
    ids=["fifo", "dev-zero", "symlink-loop", "dangling-symlink"],
)
def test_special_inputs_say_what_they_are_without_reading_them(
    tmp_path: Path, make: Callable[[Path], Path], reason: str
) -> None:
    path = make(tmp_path)
    outcome: list[BaseException | None] = []

    def load() -> None:
        try:
            load_call(path)
            outcome.append(None)
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            outcome.append(error)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(timeout=30)  # a FIFO opened for reading, or /dev/zero read, would never end
    assert not worker.is_alive(), f"{path}: load_call hung"
    error = outcome[0]
    assert isinstance(error, AudioError)
    message = str(error)
    assert message.startswith(f"{path}: ") and reason in message and "\n" not in message
    assert input_problem(path) == message


def test_a_readable_audio_file_has_no_input_problem() -> None:
    assert input_problem(JFK) is None


def test_a_call_streams_in_short_blocks_that_join_to_the_whole(
    tmp_path: Path, jfk: np.ndarray, librivox: np.ndarray
) -> None:
    path = tmp_path / "call.flac"
    long_jfk, long_librivox = np.tile(jfk, 6), np.tile(librivox, 6)  # 66 s
    sf.write(path, np.stack([long_jfk, long_librivox], axis=1), 16_000)
    call = open_call(path)
    assert call.roles == ("agent", "customer") and call.duration == pytest.approx(66.0)
    blocks = list(call.blocks())
    assert max(len(samples) for block in blocks for samples in block.values()) <= 1 << 16
    joined = {role: np.concatenate([b[role] for b in blocks]) for role in call.roles}
    whole = load_call(path)
    for role in call.roles:
        np.testing.assert_array_equal(joined[role], whole[role])
    np.testing.assert_allclose(joined["agent"], long_jfk, atol=1e-4)
