"""The playbook: suggestion rules in a TOML file that supervisors edit.

The schema is documented for editors at the top of ``resources/playbooks/default.toml``.
Every problem in a file raises ``PlaybookError`` with one line naming the file, the rule id
and the key, e.g. ``playbook.toml: rule 'refund-request': trigger.phrases: must be a
non-empty list``. Phrases are bounded (``MAX_PHRASES`` per list, ``MAX_TOTAL_PHRASES`` per
file, and the per-phrase bounds in ``text``) so that matching stays cheap for any playbook.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from agent_assist.config import read_toml
from agent_assist.errors import PlaybookError
from agent_assist.events import Speaker, Trend
from agent_assist.guidance.text import Phrase, check_phrases, compile_phrase

log = logging.getLogger(__name__)

Who = Literal["customer", "agent", "any"]
Label = Literal["negative", "neutral", "positive"]
MAX_PHRASES = 100
"""Phrases in one rule, and hold phrases."""
MAX_TOTAL_PHRASES = 1000
"""Phrases in a whole playbook, hold phrases included."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PhraseTrigger(_Strict):
    """Key phrases / intents in a reliable utterance of ``speaker``."""

    kind: Literal["phrase"]
    speaker: Who = "customer"
    phrases: tuple[str, ...] = Field(min_length=1, max_length=MAX_PHRASES)

    _check = field_validator("phrases")(check_phrases)

    def compiled(self) -> tuple[Phrase, ...]:
        return tuple(compile_phrase(p) for p in self.phrases)


class SentimentTrigger(_Strict):
    """Sentiment level: an utterance's valence and/or the smoothed mood score."""

    kind: Literal["sentiment"]
    speaker: Speaker = "customer"
    source: Literal["utterance", "mood", "either"] = "either"
    below: float | None = Field(None, ge=-1.0, le=0.0)
    label: Label | None = None

    @model_validator(mode="after")
    def _needs_condition(self) -> SentimentTrigger:
        if self.below is None and self.label is None:
            raise ValueError("needs 'below' or 'label'")
        return self


class TrendTrigger(_Strict):
    """Mood trend of ``speaker``, optionally only below / above a mood score."""

    kind: Literal["trend"]
    speaker: Speaker = "customer"
    trend: Trend
    below: float | None = Field(None, ge=-1.0, le=0.0)
    above: float | None = Field(None, ge=0.0, le=1.0)


class RepeatedNegativeTrigger(_Strict):
    """``count`` negative utterances of ``speaker`` within ``window_s`` seconds."""

    kind: Literal["repeated_negative"]
    speaker: Speaker = "customer"
    count: int = Field(ge=2, le=50)
    window_s: float = Field(gt=0.0, le=3600.0)


class SilenceTrigger(_Strict):
    """No speech from anyone for ``after_s`` seconds (checked on ``tick``)."""

    kind: Literal["silence"]
    after_s: float = Field(gt=0.0, le=3600.0)
    during: Literal["any", "hold", "not_hold"] = "any"


class TalkShareTrigger(_Strict):
    """``speaker``'s share of the speech in the last ``window_s`` seconds above ``above``."""

    kind: Literal["talk_share"]
    speaker: Speaker = "agent"
    above: float = Field(gt=0.5, lt=1.0)
    window_s: float = Field(120.0, gt=0.0, le=3600.0)
    min_speech_s: float = Field(30.0, ge=0.0, le=3600.0)


class SpeakingRateTrigger(_Strict):
    """``speaker``'s words per minute (voice cues) above ``above``."""

    kind: Literal["speaking_rate"]
    speaker: Speaker = "agent"
    above: float = Field(gt=60.0, le=400.0)


class TalkOverTrigger(_Strict):
    """``speaker`` talked over the other for ``min_s`` seconds within ``window_s``."""

    kind: Literal["talk_over"]
    speaker: Speaker = "agent"
    min_s: float = Field(gt=0.0, le=600.0)
    window_s: float = Field(60.0, gt=0.0, le=3600.0)


class LoudnessTrigger(_Strict):
    """``speaker`` louder than their own running baseline by ``above_db``."""

    kind: Literal["loudness"]
    speaker: Speaker = "customer"
    above_db: float = Field(gt=0.0, le=40.0)


Trigger = Annotated[
    PhraseTrigger
    | SentimentTrigger
    | TrendTrigger
    | RepeatedNegativeTrigger
    | SilenceTrigger
    | TalkShareTrigger
    | SpeakingRateTrigger
    | TalkOverTrigger
    | LoudnessTrigger,
    Field(discriminator="kind"),
]
TRIGGER_KINDS = [
    "phrase",
    "sentiment",
    "trend",
    "repeated_negative",
    "silence",
    "talk_share",
    "speaking_rate",
    "talk_over",
    "loudness",
]


class Rule(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
    title: str = Field(min_length=1, max_length=60)
    prompt: str = Field(min_length=1, max_length=400)
    priority: int = Field(ge=1, le=100)
    """Higher is more urgent; ties keep the file's order."""
    cooldown_s: float = Field(ge=0.0, le=3600.0)
    enabled: bool = True
    trigger: Trigger

    @field_validator("title", "prompt")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class _File(_Strict):
    version: Literal[1] = 1
    name: str = ""
    description: str = ""
    hold_phrases: tuple[str, ...] = Field((), max_length=MAX_PHRASES)
    rule: list[Any] = Field(min_length=1)

    _check = field_validator("hold_phrases")(check_phrases)


class Playbook(_Strict):
    """A validated playbook. ``rules`` keep the file's order (it breaks priority ties)."""

    source: str
    name: str = ""
    description: str = ""
    hold_phrases: tuple[str, ...] = ()
    rules: tuple[Rule, ...]


def _key(loc: tuple[int | str, ...]) -> str:
    """Dotted key of a pydantic error location: ``trigger.phrases[2]``."""
    parts = list(loc)
    if len(parts) > 1 and parts[0] == "trigger" and parts[1] in TRIGGER_KINDS:
        del parts[1]  # the discriminator tag pydantic puts in the location
    key = ""
    for part in parts:
        key += f"[{part}]" if isinstance(part, int) else ("." if key else "") + str(part)
    return key or "(top level)"


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "too_short" and isinstance(error.get("input"), list | tuple):
        return "must be a non-empty list"
    if kind == "too_long" and isinstance(error.get("input"), list | tuple):
        return f"has {len(error['input'])} items; at most {error['ctx']['max_length']} are allowed"
    if kind == "union_tag_invalid":
        return f"unknown kind {error['input'].get('kind')!r} (one of: {', '.join(TRIGGER_KINDS)})"
    if kind == "union_tag_not_found":
        return "kind is required"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return f"must be a table (got {type(error.get('input')).__name__})"
    if kind == "string_pattern_mismatch":
        return "must be lowercase letters, digits, '-' or '_'"
    message = str(error["msg"]).replace("Value error, ", "").replace("Input should be", "must be")
    message = message.replace("a valid tuple", "a list").replace("a valid list", "a list")
    if kind != "value_error" and "input" in error:
        message += f" (got {error['input']!r})"
    return message


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    return f"{_key(tuple(first['loc']))}: {_message(dict(first))}"


def _rule_name(raw: Any, index: int) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str) and raw["id"]:
        return f"rule '{' '.join(raw['id'].split())}'"
    return f"rule #{index + 1}"


def _check_total(rules: list[Rule], hold_phrases: int, source: str) -> None:
    phrases = [r.trigger.phrases for r in rules if isinstance(r.trigger, PhraseTrigger)]
    total = hold_phrases + sum(len(p) for p in phrases)
    if total > MAX_TOTAL_PHRASES:
        raise PlaybookError(
            f"{source}: {total} phrases in all (rules and hold_phrases); "
            f"at most {MAX_TOTAL_PHRASES} are allowed"
        )


def parse_playbook(data: dict[str, Any], source: str = "playbook") -> Playbook:
    """Validate a playbook already read into a dict (``source`` names it in errors)."""
    try:
        top = _File.model_validate(data)
    except ValidationError as error:
        raise PlaybookError(f"{source}: {_describe(error)}") from None
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, raw in enumerate(top.rule):
        name = _rule_name(raw, index)
        try:
            rule = Rule.model_validate(raw)
        except ValidationError as error:
            raise PlaybookError(f"{source}: {name}: {_describe(error)}") from None
        if rule.id in seen:
            raise PlaybookError(f"{source}: {name}: id: duplicate rule id")
        seen.add(rule.id)
        rules.append(rule)
    _check_total(rules, len(top.hold_phrases), source)
    return Playbook(
        source=source,
        name=top.name,
        description=top.description,
        hold_phrases=top.hold_phrases,
        rules=tuple(rules),
    )


def load_playbook(path: Path) -> Playbook:
    """Read and validate a playbook TOML file."""
    data = read_toml(path, PlaybookError)
    playbook = parse_playbook(data, str(path))
    log.info("loaded playbook %s: %d rules", path, len(playbook.rules))
    return playbook
