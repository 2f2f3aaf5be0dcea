"""Read a recorded call: any common format and rate -> 16 kHz float32 mono per speaker role.

libsndfile (``soundfile``) reads WAV/FLAC/OGG/MP3 and more; PyAV (FFmpeg, installed with
faster-whisper) reads what libsndfile cannot (M4A/AAC, WMA, odd WAV codecs). ``open_call``
checks the file and reads it once without keeping anything (can it be decoded to the end?
do its two channels carry one signal?); ``CallAudio.blocks`` then streams it block by block,
resampled with soxr, so memory stays bounded whatever the call's length. ``load_call`` joins
the stream into whole signals (for short clips and the demo replay). Every failure is an
``AudioError`` with one line naming the file.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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
_NOT_REGULAR = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}

MIN_RATE = 1000
"""Lower rates are damaged headers, not recordings (telephone audio is 8 kHz)."""

Reader = Callable[[], Iterator[np.ndarray]]
"""One pass over a file: float32 blocks shaped (frames, channels), at most two channels."""


def other_role(role: Speaker) -> Speaker:
    return "customer" if role == "agent" else "agent"


@dataclass(frozen=True)
class CallAudio:
    """A checked call file: the roles its channels carry and a way to stream them at 16 kHz."""

    path: Path
    roles: tuple[Speaker, ...]
    rate: int
    frames: int
    """Frames at the file's own rate, counted while checking it."""
    _read: Reader

    @property
    def duration(self) -> float:
        return self.frames / self.rate

    def blocks(self) -> Iterator[dict[Speaker, np.ndarray]]:
        """16 kHz float32 audio per role, block by block (the last block flushes the filters)."""
        resamplers = {role: StreamResampler(self.rate, SAMPLE_RATE) for role in self.roles}
        with _decode_errors(self.path):
            for block in self._read():
                yield {
                    role: resampler.process(block[:, index])
                    for index, (role, resampler) in enumerate(resamplers.items())
                }
        yield {role: resampler.flush() for role, resampler in resamplers.items()}


def open_call(
    path: Path, *, stereo_left: Speaker = "agent", mono_role: Speaker = "customer"
) -> CallAudio:
    """Check ``path`` and decide its roles (reads it through once, keeping nothing).

    Mono: ``(mono_role,)``. Stereo: the left channel is ``stereo_left``, the right one the
    other role (a file whose two channels are identical counts as mono). More than two
    channels: the first two are used.
    """
    path = Path(path)
    _check_file(path)
    read, rate, frames, same = _probe(path)
    if same is None:
        return CallAudio(path, (mono_role,), rate, frames, read)
    if same:
        log.info("%s: both channels carry the same signal; treating it as mono", path)
        return CallAudio(path, (mono_role,), rate, frames, _first_channel(read))
    return CallAudio(path, (stereo_left, other_role(stereo_left)), rate, frames, read)


def load_call(
    path: Path, *, stereo_left: Speaker = "agent", mono_role: Speaker = "customer"
) -> dict[Speaker, np.ndarray]:
    """Decode ``path`` into whole 16 kHz float32 mono signals per role (see ``open_call``)."""
    call = open_call(path, stereo_left=stereo_left, mono_role=mono_role)
    parts: dict[Speaker, list[np.ndarray]] = {role: [] for role in call.roles}
    for block in call.blocks():
        for role, samples in block.items():
            parts[role].append(samples)
    return {role: np.concatenate(p).astype(np.float32, copy=False) for role, p in parts.items()}


def input_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as a call file, in one line naming it; None if it can."""
    try:
        info = path.stat()
    except OSError as error:
        return f"{path}: {_stat_reason(path, error)}"
    kind = stat.S_IFMT(info.st_mode)
    if kind == stat.S_IFDIR:
        return f"{path}: is a folder, not a file"
    if kind in _NOT_REGULAR:
        return f"{path}: is {_NOT_REGULAR[kind]}, not a regular file"
    if not os.access(path, os.R_OK):
        return f"{path}: permission denied (cannot read the file)"
    if info.st_size == 0:
        return f"{path}: file is empty"
    return None


def _stat_reason(path: Path, error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symbolic link loop (too many levels of links)"
    if error.errno == errno.ENOENT and path.is_symlink():
        return f"broken symbolic link (its target {os.readlink(path)} does not exist)"
    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        return "file not found"
    if error.errno == errno.EACCES:
        return "permission denied (cannot reach the file)"
    return f"cannot read file ({error.strerror or type(error).__name__})"


def _check_file(path: Path) -> None:
    problem = input_problem(path)
    if problem is not None:
        raise AudioError(problem)
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


def _probe(path: Path) -> tuple[Reader, int, int, bool | None]:
    """(reader, rate, frames, same): ``same`` is None for mono, else whether both channels
    carry one signal. libsndfile first; FFmpeg if libsndfile cannot read it to the end."""
    try:
        read, rate, channels = _sf_reader(path)
        return (read, rate, *_scan(path, read, rate, channels))
    except sf.LibsndfileError as error:
        log.debug("%s: libsndfile cannot read it (%s); trying FFmpeg", path, error)
    read, rate, channels = _av_reader(path)
    with _decode_errors(path):
        return (read, rate, *_scan(path, read, rate, channels))


def _scan(path: Path, read: Reader, rate: int, channels: int) -> tuple[int, bool | None]:
    if rate < MIN_RATE:
        raise AudioError(f"{path}: invalid sample rate {rate} Hz (damaged header?)")
    if channels > 2:
        log.warning("%s: %d channels; using the first two as left/right", path, channels)
    frames, peak, difference = 0, 0.0, 0.0
    for block in read():
        frames += len(block)
        if block.shape[1] == 2 and len(block):
            peak = max(peak, float(np.max(np.abs(block))))
            difference = max(difference, float(np.max(np.abs(block[:, 0] - block[:, 1]))))
    if frames == 0:
        raise AudioError(f"{path}: no audio samples in this file")
    if channels == 1:
        return frames, None
    return frames, peak == 0.0 or difference <= _SAME_CHANNELS * peak


def _first_channel(read: Reader) -> Reader:
    def first() -> Iterator[np.ndarray]:
        for block in read():
            yield block[:, :1]

    return first


def _sf_reader(path: Path) -> tuple[Reader, int, int]:
    with sf.SoundFile(path) as handle:
        rate, channels = handle.samplerate, handle.channels

    def read() -> Iterator[np.ndarray]:
        with sf.SoundFile(path) as handle:
            for block in handle.blocks(_BLOCK_FRAMES, dtype="float32", always_2d=True):
                yield block[:, :2]

    return read, rate, channels


def _av_reader(path: Path) -> tuple[Reader, int, int]:
    import av  # installed with faster-whisper; imported late because it is heavy

    with _decode_errors(path), av.open(str(path), metadata_errors="ignore") as container:
        if not container.streams.audio:
            raise AudioError(f"{path}: no audio stream in this file")
        context = container.streams.audio[0].codec_context
        if context is None or context.sample_rate <= 0:
            raise AudioError(f"{path}: unsupported audio codec")
        rate, channels = context.sample_rate, context.channels or 1
    layout = "stereo" if channels >= 2 else "mono"

    def read() -> Iterator[np.ndarray]:
        with av.open(str(path), metadata_errors="ignore") as container:
            stream = container.streams.audio[0]
            converter = av.AudioResampler(format="flt", layout=layout, rate=rate)
            yield from _av_blocks(container, stream, converter)

    return read, rate, channels


@contextmanager
def _decode_errors(path: Path) -> Iterator[None]:
    """Decoder failures as one-line ``AudioError``s naming the file."""
    import av

    try:
        yield
    except av.error.InvalidDataError:
        raise AudioError(f"{path}: not an audio file, or a format that cannot be read") from None
    except (av.error.FFmpegError, sf.LibsndfileError, ValueError) as error:
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


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
