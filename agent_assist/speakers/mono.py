"""A mono recording analysed speaker by speaker: diarize, transcribe the turns, decide roles, score.

Two streamed passes over the file, so memory stays flat whatever the call's length:

1. the diarizer (``diarize``) finds who spoke when while its speech regions are transcribed on
   a worker thread (``transcribe``); each region's words then go to the speaker whose turn
   they fall in;
2. the roles are decided from each speaker's words (``roles``), and the turns, now labelled
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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from agent_assist.audio.files import CallAudio
from agent_assist.config import Config, VadConfig, with_values
from agent_assist.contracts import SAMPLE_RATE, Transcriber, Utterance
from agent_assist.core import CallSession, Models, policy_for
from agent_assist.events import CallSummary, Event, EventSink, MoodUpdate, Speaker
from agent_assist.speakers.campplus import CamppEncoder
from agent_assist.speakers.diarize import (
    NARROW_BELOW_HZ,
    Diarizer,
    DiarizeSettings,
    Embedder,
    settings_for,
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
from agent_assist.speakers.transcribe import Part, Span, by_speaker, diarize_and_transcribe
from agent_assist.speakers.turns import Diarization

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MonoSettings:
    diarize: DiarizeSettings = DiarizeSettings()
    first_speaker: FirstSpeaker = "agent"
    min_confidence: float = 0.7
    cues: RoleCues | None = None


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
        settings_for(section.model, speakers=count, max_speakers=section.max_speakers),
        first_speaker=section.first_speaker,
        min_confidence=section.min_role_confidence,
        cues=cues,
    )


@lru_cache(maxsize=2)
def speaker_encoder(model: str = "campplus") -> Embedder:
    """The speaker model ``speakers.model`` names, loaded once per process."""
    if model == "ge2e":
        return SpeakerEncoder.load()
    return CamppEncoder.load()


def mono_samples(block: dict[Speaker, np.ndarray]) -> np.ndarray:
    parts = list(block.values())
    return parts[0] if len(parts) == 1 else np.mean(np.stack(parts), axis=0)


def new_diarizer(
    call: CallAudio, models: Models, config: Config, settings: MonoSettings
) -> Diarizer:
    return Diarizer(
        speaker_encoder(config.speakers.model),
        models.vad_factory(),
        config.vad,
        settings.diarize,
        narrow=call.rate < NARROW_BELOW_HZ,
    )


def mono_blocks(call: CallAudio) -> Iterable[np.ndarray]:
    return (mono_samples(block) for block in call.blocks())


def analyze_mono(
    call: CallAudio,
    models: Models,
    config: Config,
    on_event: EventSink,
    settings: MonoSettings,
    call_name: str,
) -> CallSummary:
    """Analyse a one-channel call by speaker (see the module docstring)."""
    found, parts, decision = speakers_and_words(
        call, new_diarizer(call, models, config, settings), models.transcriber, config.vad, settings
    )
    log.info("%s: %s", call_name, found.note)
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
    for part, audio in zip(parts, _audio(call, parts), strict=True):
        session.advance_to(part.start)
        session.add_utterance(
            Utterance(labels[part.speaker], part.start, part.end, audio, speech_end=part.end),
            part.result,
        )
    session.advance_to(call.duration)
    session.finish()
    return summaries[-1]


def speakers_and_words(
    call: CallAudio,
    diarizer: Diarizer,
    transcriber: Transcriber,
    vad: VadConfig,
    settings: MonoSettings,
) -> tuple[Diarization, list[Part], RoleDecision]:
    """Who spoke when, each speaker's words and the roles, a phone menu set apart."""
    found, parts = diarize_and_transcribe(
        mono_blocks(call), call.duration, diarizer, transcriber, vad
    )
    return apart_from_prompts(diarizer, found, parts, decide(found, parts, settings), settings)


def decide(found: Diarization, parts: Sequence[Part], settings: MonoSettings) -> RoleDecision:
    return decide_roles(
        [(p.speaker, p.start, p.result.text) for p in parts],
        {s.speaker: s.seconds for s in found.speakers},
        cues=settings.cues,
        first_speaker=settings.first_speaker,
        min_confidence=settings.min_confidence,
    )


def apart_from_prompts(
    diarizer: Diarizer,
    found: Diarization,
    parts: list[Part],
    decision: RoleDecision,
    settings: MonoSettings,
) -> tuple[Diarization, list[Part], RoleDecision]:
    """A phone menu is not one of the asked speakers. When a voice with prompt cues took one of
    their places (the two people merged beside it), cluster again asking one more speaker per
    prompt and split the words by the new turns; kept when it finds more voices."""
    asked = settings.diarize.speakers
    prompts = len(decision.automated)
    if asked is None or not prompts or found.count - prompts >= asked:
        return found, parts, decision
    again = diarizer.relabel(dataclasses.replace(settings.diarize, speakers=asked + prompts))
    if again.count <= found.count:
        return found, parts, decision
    split = [q for p in parts for q in by_speaker(Span(p.start, p.end), p.result, again.turns)]
    note = f"{again.count} speakers found ({asked} asked, besides {prompts} automated prompt(s))"
    again = dataclasses.replace(again, note=note)
    return again, split, decide(again, split, settings)


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


def _audio(call: CallAudio, pieces: Sequence[Part | Span]) -> Iterator[np.ndarray]:
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
