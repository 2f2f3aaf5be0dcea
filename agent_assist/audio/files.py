"""Load a recorded call: any common format and rate -> 16 kHz float32 mono per speaker role.

libsndfile (``soundfile``) reads WAV/FLAC/OGG/MP3 and more; PyAV (FFmpeg, installed with
faster-whisper) reads what libsndfile cannot (M4A/AAC, WMA, odd WAV codecs). Both are decoded
block by block and resampled with soxr as they stream, so a long call never exists at its
original rate in memory. Every failure is an ``AudioError`` with one line naming the file.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile as sf

from agent_assist.audio.resample import StreamResampler
from agent_assist.contracts import SAMPLE_RATE
from agent_assist.errors import AudioError
from agent_assist.events import Speaker

log = logging.getLogger(__name__)

AUDIO_SUFFIXES: frozenset[str] = frozenset(
    {".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac", ".aif", ".aiff"}
)
_BLOCK_FRAMES = 1 << 16
_UNKNOWN_SIZES = frozenset({0, 0xFFFFFFFF, 0x7FFFFFFF})
# Channels this close to each other are one signal saved twice (a mono call in a stereo file).
_SAME_CHANNELS = 1e-3

MIN_RATE = 1000
"""Lower rates are damaged headers, not recordings (telephone audio is 8 kHz)."""


def other_role(role: Speaker) -> Speaker:
    return "customer" if role == "agent" else "agent"


def load_call(
    path: Path, *, stereo_left: Speaker = "agent", mono_role: Speaker = "customer"
) -> dict[Speaker, np.ndarray]:
    """Decode ``path`` into 16 kHz float32 mono audio per role.

    Mono: ``{mono_role: audio}``. Stereo: the left channel is ``stereo_left``, the right one the
    other role (a file whose two channels are identical counts as mono). More than two
    channels: the first two are used.
    """
    path = Path(path)
    _check_file(path)
    left, right = _decode(path)
    if right is not None and _same_signal(left, right):
        log.info("%s: both channels carry the same signal; treating it as mono", path)
        right = None
    if right is None:
        return {mono_role: left}
    return {stereo_left: left, other_role(stereo_left): right}


def _check_file(path: Path) -> None:
    if not path.exists():
        raise AudioError(f"{path}: file not found")
    if not path.is_file():
        raise AudioError(f"{path}: not a file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: file is empty")
    _check_wav_header(path)


def _check_wav_header(path: Path) -> None:
    """Catch truncated RIFF/WAVE files, which decoders would read silently up to the cut."""
    with path.open("rb") as handle:
        head = handle.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            if head[:4] == b"RIFF":
                raise AudioError(f"{path}: truncated WAV file (incomplete header)")
            return
        size = path.stat().st_size
        seen_fmt = False
        while True:
            chunk = handle.read(8)
            if len(chunk) < 8:
                raise AudioError(f"{path}: truncated WAV file (no audio data chunk)")
            chunk_id, chunk_size = struct.unpack("<4sI", chunk)
            if chunk_id == b"fmt ":
                seen_fmt = True
            if chunk_id == b"data":
                if not seen_fmt:
                    raise AudioError(f"{path}: damaged WAV file (data before format chunk)")
                available = size - handle.tell()
                if chunk_size not in _UNKNOWN_SIZES and chunk_size > available:
                    raise AudioError(
                        f"{path}: truncated WAV file (header promises {chunk_size} bytes of"
                        f" audio, file holds {available})"
                    )
                return
            handle.seek(chunk_size + (chunk_size & 1), 1)


def _decode(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    try:
        with sf.SoundFile(path) as handle:
            rate, channels = handle.samplerate, handle.channels
            blocks: Iterator[np.ndarray] = handle.blocks(
                _BLOCK_FRAMES, dtype="float32", always_2d=True
            )
            return _resample_blocks(path, blocks, rate, channels)
    except sf.LibsndfileError as error:
        log.debug("%s: libsndfile cannot read it (%s); trying FFmpeg", path, error)
    return _decode_with_av(path)


def _decode_with_av(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    import av  # installed with faster-whisper; imported late because it is heavy

    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioError(f"{path}: no audio stream in this file")
            stream = container.streams.audio[0]
            if stream.codec_context is None or stream.codec_context.sample_rate <= 0:
                raise AudioError(f"{path}: unsupported audio codec")
            rate = stream.codec_context.sample_rate
            channels = min(stream.codec_context.channels, 2) or 1
            layout = "stereo" if channels == 2 else "mono"
            converter = av.AudioResampler(format="flt", layout=layout, rate=rate)
            return _resample_blocks(path, _av_blocks(container, stream, converter), rate, channels)
    except av.error.InvalidDataError:
        raise AudioError(f"{path}: not an audio file, or a format that cannot be read") from None
    except (av.error.FFmpegError, ValueError) as error:
        raise AudioError(f"{path}: cannot decode audio ({_one_line(error)})") from None


def _av_blocks(container: object, stream: object, converter: object) -> Iterator[np.ndarray]:
    for frame in container.decode(stream):  # type: ignore[attr-defined]
        for converted in converter.resample(frame):  # type: ignore[attr-defined]
            yield _packed(converted)
    for converted in converter.resample(None):  # type: ignore[attr-defined]
        yield _packed(converted)


def _packed(frame: object) -> np.ndarray:
    data = frame.to_ndarray()  # type: ignore[attr-defined]  # packed: (1, samples * channels)
    channels = len(frame.layout.channels)  # type: ignore[attr-defined]
    return np.asarray(data, dtype=np.float32).reshape(-1, channels)


def _resample_blocks(
    path: Path, blocks: Iterator[np.ndarray], rate: int, channels: int
) -> tuple[np.ndarray, np.ndarray | None]:
    if rate < MIN_RATE:
        raise AudioError(f"{path}: invalid sample rate {rate} Hz (damaged header?)")
    if channels > 2:
        log.warning("%s: %d channels; using the first two as left/right", path, channels)
    used = min(channels, 2)
    resamplers = [StreamResampler(rate, SAMPLE_RATE) for _ in range(used)]
    outputs: list[list[np.ndarray]] = [[] for _ in range(used)]
    frames = 0
    for block in blocks:
        frames += len(block)
        for index, resampler in enumerate(resamplers):
            outputs[index].append(resampler.process(block[:, index]))
    if frames == 0:
        raise AudioError(f"{path}: no audio samples in this file")
    for index, resampler in enumerate(resamplers):
        outputs[index].append(resampler.flush())
    signals = [np.concatenate(parts).astype(np.float32, copy=False) for parts in outputs]
    return signals[0], (signals[1] if used == 2 else None)


def _same_signal(left: np.ndarray, right: np.ndarray) -> bool:
    peak = max(float(np.max(np.abs(left), initial=0.0)), float(np.max(np.abs(right), initial=0.0)))
    if peak == 0.0:
        return True
    return float(np.max(np.abs(left - right))) <= _SAME_CHANNELS * peak


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
