"""Builders for guidance tests: real event objects and small playbooks."""

from __future__ import annotations

from typing import Any

from agent_assist.config import GuidanceConfig
from agent_assist.events import MoodUpdate, Sentiment, Speaker, TranscriptFinal, Trend, VoiceCues
from agent_assist.guidance.engine import GuidanceEngine
from agent_assist.guidance.playbook import Playbook, parse_playbook


def sentiment(label: str, strength: float = 0.9) -> Sentiment:
    """A Sentiment whose ``label`` has probability ``strength``; the rest is split evenly."""
    rest = (1.0 - strength) / 2
    scores = {name: rest for name in ("negative", "neutral", "positive")}
    scores[label] = strength
    emotion = {"negative": "anger", "neutral": "neutral", "positive": "joy"}[label]
    return Sentiment(label=label, scores=scores, emotion=emotion)


def said(
    text: str,
    start: float,
    end: float | None = None,
    speaker: Speaker = "customer",
    mood: str | None = "neutral",
    strength: float = 0.9,
    confidence: float = 0.9,
    reliable: bool = True,
) -> TranscriptFinal:
    return TranscriptFinal(
        speaker=speaker,
        start=start,
        end=start + 3.0 if end is None else end,
        text=text,
        confidence=confidence,
        sentiment=None if mood is None else sentiment(mood, strength),
        reliable=reliable,
    )


def mood(
    time: float,
    score: float,
    trend: Trend = "steady",
    speaker: Speaker = "customer",
    uncertain: bool = False,
) -> MoodUpdate:
    label = "negative" if score < -0.25 else "positive" if score > 0.25 else "neutral"
    return MoodUpdate(speaker, time, score, trend, uncertain, label)


def cues(time: float, speaker: Speaker = "agent", **values: Any) -> VoiceCues:
    return VoiceCues(speaker=speaker, time=time, **values)


def rule(
    rule_id: str, trigger: dict[str, Any], priority: int = 50, cooldown_s: float = 0.0, **extra: Any
) -> dict[str, Any]:
    return {
        "id": rule_id,
        "title": f"Title of {rule_id}",
        "prompt": f'Do the {rule_id} thing: "example phrasing"',
        "priority": priority,
        "cooldown_s": cooldown_s,
        "trigger": trigger,
        **extra,
    }


def playbook(*rules: dict[str, Any], hold_phrases: tuple[str, ...] = ()) -> Playbook:
    return parse_playbook({"rule": list(rules), "hold_phrases": list(hold_phrases)}, "test.toml")


def engine(
    *rules: dict[str, Any], hold_phrases: tuple[str, ...] = (), **config: Any
) -> GuidanceEngine:
    return GuidanceEngine(playbook(*rules, hold_phrases=hold_phrases), GuidanceConfig(**config))
