"""A call archive cut from the repository's real speech (DATA.md), plus files that must fail.

Twelve short calls: the JFK, LibriVox and "uh huh" recordings whole, cut and joined (mono), and
eight-second slices of the stereo sample call (agent left, customer right). One call's name is a
phone number (its id must come out redacted). Two bad files: text saved as ``.wav`` and an empty
``.flac``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SAMPLE = ROOT / "resources" / "samples" / "sample_call.flac"
BAD = ("broken.wav", "empty.flac")


def _read(path: Path) -> tuple[np.ndarray, int]:
    audio, rate = sf.read(path, dtype="float32")
    return audio, rate


def build_archive(folder: Path) -> list[Path]:
    """Write the twelve good calls and the two bad files into ``folder``; the good ones."""
    folder.mkdir(parents=True, exist_ok=True)
    jfk, rate = _read(DATA / "jfk.flac")
    libri, _ = _read(DATA / "librivox_ill_disposed.flac")
    uhuh, _ = _read(DATA / "mfa_uhuh.flac")
    stereo, stereo_rate = _read(SAMPLE)
    mono = {
        "jfk_whole": jfk,
        "jfk_opening": jfk[: 5 * rate],
        "jfk_closing": jfk[5 * rate :],
        "libri": libri,
        "libri_then_uhuh": np.concatenate([libri, np.zeros(rate // 2, np.float32), uhuh]),
        "uhuh_5551234567": uhuh,
    }
    written = []
    for name, audio in mono.items():
        written.append(_write(folder / f"{name}.flac", audio, rate))
    for index in range(6):
        piece = stereo[index * 8 * stereo_rate : (index + 1) * 8 * stereo_rate]
        written.append(_write(folder / f"sample_part{index + 1}.flac", piece, stereo_rate))
    (folder / BAD[0]).write_text("this is not audio\n")
    (folder / BAD[1]).write_bytes(b"")
    return sorted(written)


def _write(path: Path, audio: np.ndarray, rate: int) -> Path:
    sf.write(path, audio, rate)
    return path
