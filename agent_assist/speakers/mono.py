"""A mono recording analysed speaker by speaker: diarize, transcribe the turns, decide roles, score.

Three streamed passes over the file, so memory stays flat whatever the call's length:

1. the diarizer (``diarize``) finds who spoke when: turns with speaker numbers;
2. each turn is cut from the stream (a turn longer than ``vad.max_utterance_s`` is split into
   equal parts) and transcribed, packed into Whisper windows; only the text is kept;
3. the roles are decided from each speaker's words (``roles``), and the turns, now labelled
   ``agent`` / ``customer`` / ``other`` and with their transcription, go into the call core
   (``CallSession.add_utterance``), which scores them as it scores a two-channel call: the
   customer's mood, sentiment counts and suggestions come from the customer only.

The summary gains a ``diarization`` field: speakers found, the role of each, the rule and its
confidence, the evidence, talk seconds per speaker and, when the roles are uncertain, each
speaker's mood (so neither is lost to a wrong guess).
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from agent_assist.asr.window import fits_one_window
from agent_assist.audio.files import CallAudio
from agent_assist.config import Config, with_values
from agent_assist.contracts import SAMPLE_RATE, Transcription, Utterance
from agent_assist.core import CallSession, Models, policy_for
from agent_assist.core.speech import transcribe
from agent_assist.events import CallSummary, Event, EventSink, MoodUpdate, Speaker
from agent_assist.speakers.diarize import (
    NARROW_BELOW_HZ,
    Diarization,
    Diarizer,
    DiarizeSettings,
    Turn,
)
from agent_assist.speakers.encoder import SpeakerEncoder
from agent_assist.speakers.roles import (
    AGENT_CUES,
    CUSTOMER_CUES,
    FirstSpeaker,
    RoleCues,
    RoleDecision,
    decide_roles,
)

log = logging.getLogger(__name__)

PRE_S = 0.1
"""Audio kept before a turn's first speech frame (Whisper hears the onset)."""
TAIL_S = 0.15
"""Audio kept after a turn's last speech frame."""


@dataclass(frozen=True)
class MonoSettings:
    diarize: DiarizeSettings = DiarizeSettings()
    first_speaker: FirstSpeaker = "agent"
    min_confidence: float = 0.7
    cues: RoleCues | None = None


@dataclass(frozen=True)
class _Piece:
    """A stretch of one turn sent to Whisper (times in call seconds)."""

    speaker: int
    start: float
    end: float


def mono_settings(config: Config) -> MonoSettings:
    """The ``speakers`` section as diarization and role settings."""
    section = config.speakers
    count = None if section.count == "auto" else int(section.count)
    extra = {"configured": tuple(section.agent_phrases)} if section.agent_phrases else {}
    customer = {"configured": tuple(section.customer_phrases)} if section.customer_phrases else {}
    cues = None
    if extra or customer:
        cues = RoleCues.build(agent={**AGENT_CUES, **extra}, customer={**CUSTOMER_CUES, **customer})
    return MonoSettings(
        DiarizeSettings(speakers=count, max_speakers=section.max_speakers),
        first_speaker=section.first_speaker,
        min_confidence=section.min_role_confidence,
        cues=cues,
    )


@lru_cache(maxsize=1)
def speaker_encoder() -> SpeakerEncoder:
    """The speaker model, loaded once per process."""
    return SpeakerEncoder.load()


def mono_samples(block: dict[Speaker, np.ndarray]) -> np.ndarray:
    parts = list(block.values())
    return parts[0] if len(parts) == 1 else np.mean(np.stack(parts), axis=0)


def diarize_call(
    call: CallAudio, models: Models, config: Config, settings: MonoSettings
) -> Diarization:
    """Pass 1: who spoke when."""
    diarizer = Diarizer(
        speaker_encoder(),
        models.vad_factory(),
        config.vad,
        settings.diarize,
        narrow=call.rate < NARROW_BELOW_HZ,
    )
    for block in call.blocks():
        diarizer.accept(mono_samples(block))
    return diarizer.finish()


def analyze_mono(
    call: CallAudio,
    models: Models,
    config: Config,
    on_event: EventSink,
    settings: MonoSettings,
    call_name: str,
) -> CallSummary:
    """Analyse a one-channel call by speaker (see the module docstring)."""
    found = diarize_call(call, models, config, settings)
    log.info("%s: %s", call_name, found.note)
    pieces = _pieces(found.turns, call, config.vad.max_utterance_s)
    results = _transcribe(call, pieces, models)
    lines = [(p.speaker, p.start, r.text) for p, r in zip(pieces, results, strict=True)]
    decision = decide_roles(
        lines,
        {s.speaker: s.seconds for s in found.speakers},
        cues=settings.cues,
        first_speaker=settings.first_speaker,
        min_confidence=settings.min_confidence,
    )
    labels: dict[int, Speaker] = dict(decision.roles)
    roles: list[Speaker] = ["agent", "customer"]
    if "other" in labels.values():
        roles.append("other")
    moods: dict[str, list[float]] = defaultdict(list)
    summaries: list[CallSummary] = []

    def sink(event: Event) -> None:
        if isinstance(event, MoodUpdate):
            moods[event.speaker].append(event.score)
        if isinstance(event, CallSummary):
            info = diarization_info(found, decision, moods)
            event = dataclasses.replace(event, diarization=info)
            summaries.append(event)
        on_event(event)

    # voice cues compare each speaker's own channel; turns cut from one mixed track are not that
    scoring = with_values(config, {"privacy.voice_cues": False})
    session = CallSession(
        models, scoring, policy_for(scoring, live=False), sink, roles=roles, call_name=call_name
    )
    for piece, audio, result in zip(pieces, _audio(call, pieces), results, strict=True):
        session.advance_to(piece.start)
        session.add_utterance(
            Utterance(labels[piece.speaker], piece.start, piece.end, audio, speech_end=piece.end),
            result,
        )
    session.advance_to(call.duration)
    session.finish()
    return summaries[-1]


def diarization_info(
    found: Diarization, decision: RoleDecision, moods: dict[str, list[float]]
) -> dict[str, Any]:
    """The summary's ``diarization`` field (plain JSON)."""
    info: dict[str, Any] = {
        "speakers": found.count,
        "note": found.note,
        "roles": {f"speaker {s + 1}": role for s, role in sorted(decision.roles.items())},
        "talk_seconds": {f"speaker {s.speaker + 1}": s.seconds for s in found.speakers},
        "role_rule": decision.rule,
        "role_confidence": decision.confidence,
        "roles_certain": decision.confident,
        "evidence": list(decision.evidence),
    }
    if not decision.confident and moods:
        info["moods"] = {role: float(np.mean(scores)) for role, scores in sorted(moods.items())}
    return info


def _pieces(turns: Sequence[Turn], call: CallAudio, limit_s: float) -> list[_Piece]:
    """Turn bounds with their kept margins, long turns split into equal parts."""
    pieces: list[_Piece] = []
    for turn in sorted(turns, key=lambda t: t.start):
        start = max(0.0, turn.start - PRE_S)
        if pieces:
            start = max(start, pieces[-1].end)
        end = min(call.duration, turn.end + TAIL_S)
        for a, b in _spans(start, end, limit_s):
            pieces.append(_Piece(turn.speaker, a, b))
    return pieces


def _spans(start: float, end: float, limit_s: float) -> list[tuple[float, float]]:
    """Equal parts of at most ``limit_s``."""
    parts = max(1, int(np.ceil((end - start) / limit_s)))
    edges = np.linspace(start, end, parts + 1)
    return [(float(a), float(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def _audio(call: CallAudio, pieces: Sequence[_Piece]) -> Iterator[np.ndarray]:
    """Each piece's 16 kHz audio, in order, from one streamed pass (holds about one piece)."""
    buffer = np.zeros(0, dtype=np.float32)
    origin = 0
    index = 0
    bounds = [(int(p.start * SAMPLE_RATE), int(p.end * SAMPLE_RATE)) for p in pieces]
    for block in call.blocks():
        buffer = np.concatenate((buffer, mono_samples(block).astype(np.float32, copy=False)))
        while index < len(bounds) and origin + len(buffer) >= bounds[index][1]:
            a, b = bounds[index]
            yield buffer[a - origin : b - origin].copy()
            index += 1
        end = origin + len(buffer)
        keep = min(bounds[index][0], end) if index < len(bounds) else end
        if keep > origin:
            buffer = buffer[keep - origin :]
            origin = keep
    while index < len(bounds):
        a, b = bounds[index]
        yield buffer[max(a - origin, 0) : max(b - origin, 0)].copy()
        index += 1


def _transcribe(call: CallAudio, pieces: Sequence[_Piece], models: Models) -> list[Transcription]:
    """Pass 2: every piece transcribed, packed into Whisper windows; only the text is kept."""
    results: list[Transcription] = []
    pack: list[Utterance] = []
    for piece, audio in zip(pieces, _audio(call, pieces), strict=True):
        utterance = Utterance("customer", piece.start, piece.end, audio)
        if pack and not fits_one_window([len(u.audio) for u in (*pack, utterance)]):
            results += transcribe(models.transcriber, pack)
            pack = []
        pack.append(utterance)
    if pack:
        results += transcribe(models.transcriber, pack)
    return results
