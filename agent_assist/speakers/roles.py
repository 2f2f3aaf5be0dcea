"""Which diarized speaker is the agent: phrase cues on each speaker's words, then a fallback rule.

Each speaker's transcript is matched against cue phrases (playbook phrase syntax, RE2, see
``agent_assist.guidance.text``): agent cues (greetings, "my name is … how can I help", closings,
hold and transfer phrases), customer cues ("I'm calling about …") and automated-prompt cues
("this call may be recorded", "press 1"). Each cue kind counts once per speaker, at its first
match. A speaker's lean is its agent weight minus its customer weight; the agent is the speaker
that leans furthest towards agent, by a margin over the next one. A voice with an
automated-prompt cue that weighs at least as much as its agent cues is a machine: never the
agent while a human voice is there (a phone menu greets too).
Without any cue the fallback rule decides (``first_speaker``: the first human voice is the agent,
or the customer).

``confidence`` is 0.5 for a guess (fallback, or cues that cancel out) and grows towards 1 with
the margin; under ``min_confidence`` the decision is flagged as uncertain so callers keep both
speakers' moods instead of trusting it. With more than two voices, the agent and the customer
(the one of the rest who talks longest, unless it sounds automated) are named and every other
voice is ``other`` — never merged into them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from agent_assist.guidance.text import Phrase, compile_phrase, normalize

log = logging.getLogger(__name__)

Role = Literal["agent", "customer", "other"]
FirstSpeaker = Literal["agent", "customer"]

AGENT_CUES: dict[str, tuple[str, ...]] = {
    "greeting": (
        "thank|thanks * for calling",
        "thank|thanks * for contacting",
        "thank|thanks * for holding",
        "thank|thanks for waiting",
        "you have reached",
        "welcome to",
    ),
    "introduction": (
        "my name is * how can|may i help|assist",
        "how can|may i help|assist you",
        "what can i do for you",
        "this is * speaking",
        "speaking how can|may",
    ),
    "closing": (
        "anything else i can|may * help|assist|do",
        "is there anything else",
        "have a good|great|nice|wonderful day|evening|afternoon|weekend",
        "thank|thanks * for your patience",
        "thank|thanks * for choosing",
    ),
    "hold": (
        "put|place you on hold",
        "bear with me",
        "one moment please",
        "let me check|look|pull",
    ),
    "transfer": ("transfer you", "connect you with|to", "put you through"),
    "verification": (
        "can|could|may i have|get your",
        "can|could you confirm|verify",
        "for security purposes",
    ),
}
CUSTOMER_CUES: dict[str, tuple[str, ...]] = {
    "reason for call": (
        "i am calling about|because|to|regarding",
        "i was calling about|because|to",
        "i would like to|want to cancel|return|complain",
        "i have a problem|question|issue",
    ),
    "own account": ("my account|order|bill|card|package|subscription",),
}
AUTOMATED_CUES: dict[str, tuple[str, ...]] = {
    "automated prompt": (
        "this call may|will be recorded|monitored",
        "for quality and|or training purposes",
        "press 1|2|3|4|5|6|7|8|9|0",
        "your call is important",
        "calls are answered in",
    ),
}
WEIGHTS: dict[str, float] = {
    "greeting": 1.5,
    "introduction": 1.5,
    "closing": 1.0,
    "hold": 0.5,
    "transfer": 0.5,
    "verification": 0.5,
    "reason for call": 1.0,
    "own account": 0.5,
    "automated prompt": 1.5,
}
DEFAULT_WEIGHT = 1.0


@dataclass(frozen=True)
class Cue:
    kind: str
    role: Role
    weight: float
    phrases: tuple[Phrase, ...]


@dataclass(frozen=True)
class RoleCues:
    cues: tuple[Cue, ...]

    @classmethod
    def build(
        cls,
        agent: Mapping[str, Sequence[str]] | None = None,
        customer: Mapping[str, Sequence[str]] | None = None,
        automated: Mapping[str, Sequence[str]] | None = None,
    ) -> RoleCues:
        """Compile cue phrases (default sets where None); a bad phrase raises
        ``PhraseSyntaxError`` naming it."""
        sets: list[tuple[Role, Mapping[str, Sequence[str]]]] = [
            ("agent", AGENT_CUES if agent is None else agent),
            ("customer", CUSTOMER_CUES if customer is None else customer),
            ("other", AUTOMATED_CUES if automated is None else automated),
        ]
        return cls(
            tuple(
                Cue(kind, role, WEIGHTS.get(kind, DEFAULT_WEIGHT), tuple(map(compile_phrase, p)))
                for role, kinds in sets
                for kind, p in kinds.items()
                if p
            )
        )


@dataclass(frozen=True)
class Match:
    speaker: int
    cue: Cue
    words: str
    time: float

    def line(self, role: str) -> str:
        return f"{role}: {self.cue.kind} '{self.words}' at {clock(self.time)}"


@dataclass(frozen=True)
class RoleDecision:
    roles: dict[int, Role]
    confidence: float
    confident: bool
    rule: str
    """``cues``, ``first_speaker`` (fallback), ``one speaker`` or ``no speech``."""
    evidence: tuple[str, ...] = field(default=())
    automated: tuple[int, ...] = ()
    """Speakers with an automated-prompt cue (a phone menu, a recorded announcement)."""


def clock(seconds: float) -> str:
    whole = int(max(seconds, 0.0))
    return f"{whole // 60}:{whole % 60:02d}"


def find_cues(lines: Sequence[tuple[int, float, str]], cues: RoleCues) -> list[Match]:
    """The first match of each cue kind for each speaker, in time order.

    ``lines``: (speaker, start time, text) of each transcribed turn, in time order."""
    seen: set[tuple[int, str]] = set()
    found: list[Match] = []
    for speaker, start, text in lines:
        tokens = normalize(text)
        if not tokens.words:
            continue
        for cue in cues.cues:
            if (speaker, cue.kind) in seen:
                continue
            for phrase in cue.phrases:
                span = phrase.search(tokens)
                if span is not None:
                    seen.add((speaker, cue.kind))
                    found.append(
                        Match(speaker, cue, _quote(tokens.excerpt(*span, context=0)), start)
                    )
                    break
    return found


def decide_roles(
    lines: Sequence[tuple[int, float, str]],
    talk: Mapping[int, float],
    *,
    cues: RoleCues | None = None,
    first_speaker: FirstSpeaker = "agent",
    min_confidence: float = 0.7,
) -> RoleDecision:
    """Roles of the speakers in ``talk`` (speaker → seconds, numbered by first appearance)."""
    speakers = sorted(talk)
    if not speakers:
        return RoleDecision({}, 0.0, False, "no speech")
    matches = find_cues(lines, cues or RoleCues.build())
    lean = {s: 0.0 for s in speakers}
    automated = {s: 0.0 for s in speakers}
    for match in matches:
        if match.speaker not in lean:
            continue
        if match.cue.role == "other":
            automated[match.speaker] += match.cue.weight
        else:
            sign = 1.0 if match.cue.role == "agent" else -1.0
            lean[match.speaker] += sign * match.cue.weight
    # a phone menu greets too ("thank you for calling ..., press one"): a voice whose prompt
    # cues weigh at least as much as its agent cues is a machine, never the agent (an agent who
    # introduces themselves and later says "press 1" stays human)
    machines = tuple(s for s in speakers if automated[s] > 0.0 and automated[s] >= lean[s])
    if len(speakers) == 1:
        return _one_speaker(speakers[0], lean[speakers[0]], matches, min_confidence, machines)
    humans = [s for s in speakers if s not in machines] or list(speakers)
    ranked = sorted(humans, key=lambda s: (-lean[s], s))
    margin = lean[ranked[0]] - (lean[ranked[1]] if len(ranked) > 1 else 0.0)
    agent: int | None
    if margin > 0:
        rule, agent = "cues", ranked[0]
        customer = max((s for s in humans if s != agent), key=lambda s: (talk[s], -s), default=None)
    else:
        rule, margin = "first_speaker", 0.0
        agent, customer = _fallback(humans, first_speaker, talk)
    roles: dict[int, Role] = {s: "other" for s in speakers}
    if agent is not None:
        roles[agent] = "agent"
    if customer is not None:
        roles[customer] = "customer"
    confidence = _confidence(margin)
    evidence = [m.line(roles[m.speaker]) for m in matches if m.speaker in roles]
    if rule == "first_speaker":
        evidence.append(f"no deciding cue: the first voice is taken as the {first_speaker}")
    return RoleDecision(
        roles, confidence, confidence >= min_confidence, rule, tuple(evidence), machines
    )


def _one_speaker(
    speaker: int,
    lean: float,
    matches: list[Match],
    min_confidence: float,
    machines: tuple[int, ...],
) -> RoleDecision:
    """A lone voice: a phone menu alone (a recording of the menu only) is ``other``."""
    role: Role = "other" if machines else "agent" if lean > 0 else "customer"
    confidence = _confidence(abs(lean))
    evidence = tuple(m.line(role) for m in matches if m.speaker == speaker)
    return RoleDecision(
        {speaker: role}, confidence, confidence >= min_confidence, "one speaker", evidence, machines
    )


def _fallback(
    humans: Sequence[int], first_speaker: FirstSpeaker, talk: Mapping[int, float]
) -> tuple[int | None, int | None]:
    """(agent, customer) by the fallback rule: the first human voice (an automated prompt is
    not one) is ``first_speaker``; the other role goes to the longest talker of the other
    human voices, if any (an automated prompt stays ``other``)."""
    first = humans[0]
    second = max((s for s in humans if s != first), key=lambda s: (talk[s], -s), default=None)
    return (first, second) if first_speaker == "agent" else (second, first)


def _confidence(margin: float) -> float:
    """0.5 for no evidence, towards 1 as the cue margin grows (one strong cue: ~0.89)."""
    return 1.0 - 0.5 * math.exp(-max(margin, 0.0))


def _quote(words: str) -> str:
    return words.strip(" .,;:!?\"'")
