"""Builders for guidance tests: small playbooks and engines (events: ``tests.factories``)."""

from __future__ import annotations

from typing import Any

from agent_assist.config import GuidanceConfig
from agent_assist.guidance.engine import GuidanceEngine
from agent_assist.guidance.playbook import Playbook, parse_playbook


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
