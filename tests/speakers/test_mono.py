"""The mono driver's streaming cutter: each turn's audio from one pass, in bounded memory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from agent_assist.audio.files import open_call
from agent_assist.speakers.diarize import Turn
from agent_assist.speakers.mono import PRE_S, TAIL_S, _audio, _pieces

RATE = 16_000


def test_turns_are_cut_from_one_pass_with_margins_and_long_ones_split(tmp_path: Path) -> None:
    ramp = (np.arange(60 * RATE) % 30_000 / 30_000).astype(np.float32) * 0.5
    path = tmp_path / "ramp.wav"
    sf.write(path, ramp, RATE, subtype="FLOAT")
    call = open_call(path)
    turns = [Turn(1.0, 3.0, 0), Turn(3.0, 4.0, 1), Turn(10.0, 42.0, 0), Turn(59.5, 60.0, 1)]
    pieces = _pieces(turns, call, limit_s=15.0)
    assert [(round(p.start, 3), round(p.end, 3), p.speaker) for p in pieces[:2]] == [
        (1.0 - PRE_S, 3.0 + TAIL_S, 0),
        (3.0 + TAIL_S, 4.0 + TAIL_S, 1),  # no audio twice: starts where the last one ended
    ]
    long = [p for p in pieces if p.start >= 9.0 and p.end <= 43.0]
    assert len(long) == 3 and all(p.end - p.start <= 15.0 for p in long)
    assert pieces[-1].end == call.duration
    for piece, audio in zip(pieces, _audio(call, pieces), strict=True):
        a, b = int(piece.start * RATE), int(piece.end * RATE)
        assert np.array_equal(audio, ramp[a:b])
