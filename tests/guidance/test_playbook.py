import re
from pathlib import Path
from typing import Any

import pytest

from agent_assist import paths
from agent_assist.errors import PlaybookError
from agent_assist.guidance.playbook import (
    MAX_PHRASES,
    MAX_TOTAL_PHRASES,
    load_playbook,
    parse_playbook,
)

from .factory import rule

DEFAULT = paths.default_playbook()


def test_default_playbook_loads_with_enough_useful_rules() -> None:
    playbook = load_playbook(DEFAULT)
    assert len(playbook.rules) >= 15
    assert len({r.id for r in playbook.rules}) == len(playbook.rules)
    kinds = {r.trigger.kind for r in playbook.rules}
    assert kinds == {
        "phrase",
        "sentiment",
        "trend",
        "repeated_negative",
        "silence",
        "talk_share",
        "speaking_rate",
        "talk_over",
        "loudness",
    }
    for r in playbook.rules:
        assert r.cooldown_s >= 30, r.id
        assert re.search(r'"[^"]{10,}"', r.prompt), f"{r.id}: prompt needs example phrasing"


def test_minimal_example_loads() -> None:
    playbook = load_playbook(DEFAULT.with_name("minimal-example.toml"))
    assert [r.id for r in playbook.rules] == [
        "supervisor-request",
        "acknowledge-upset",
        "hold-check-in",
    ]
    assert playbook.hold_phrases == ("put * on hold", "one moment")


def test_default_playbook_invents_no_policy() -> None:
    promises = re.compile(
        r"\b(i will|i'll|we will|we'll) (refund|credit|compensate|waive|give you)"
        r"|\bfree of charge|\bguarantee|\bvoucher|\bdiscount|\bcredit (you|your account)",
        re.IGNORECASE,
    )
    for r in load_playbook(DEFAULT).rules:
        assert not promises.search(r.prompt), f"{r.id}: {r.prompt}"


def test_default_playbook_header_documents_every_trigger_kind() -> None:
    header = "".join(line for line in DEFAULT.read_text().splitlines(True) if line.startswith("#"))
    for kind in (
        "phrase",
        "sentiment",
        "trend",
        "repeated_negative",
        "silence",
        "talk_share",
        "speaking_rate",
        "talk_over",
        "loudness",
    ):
        assert f'kind = "{kind}"' in header


PHRASES = {"kind": "phrase", "phrases": ["refund"]}
MANY_GAPS = "this " + "* " * 14 + "nevermatched"


def with_rule(**changes: Any) -> dict[str, Any]:
    body = rule("refund-request", PHRASES)
    for key, value in changes.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    return {"rule": [body]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            with_rule(trigger={"kind": "phrase", "phrases": []}),
            "rule 'refund-request': trigger.phrases: must be a non-empty list",
        ),
        (with_rule(title=None), "rule 'refund-request': title: is required"),
        (with_rule(titel="x"), "rule 'refund-request': titel: unknown key"),
        (with_rule(title="   "), "rule 'refund-request': title: must not be blank"),
        (with_rule(priority=0), "rule 'refund-request': priority: must be greater than or equal"),
        (with_rule(priority="high"), "rule 'refund-request': priority: must be a valid integer"),
        (with_rule(cooldown_s=-5), "rule 'refund-request': cooldown_s: must be greater than"),
        (with_rule(id="Refund Request"), "rule 'Refund Request': id: must be lowercase letters"),
        (with_rule(id=None), "rule #1: id: is required"),
        (
            with_rule(trigger={"kind": "keyword", "phrases": ["x"]}),
            "rule 'refund-request': trigger: unknown kind 'keyword'",
        ),
        (with_rule(trigger={"phrases": ["x"]}), "rule 'refund-request': trigger: kind is required"),
        (
            with_rule(trigger={"kind": "phrase", "phrases": ["x"], "speakr": "agent"}),
            "rule 'refund-request': trigger.speakr: unknown key",
        ),
        (
            with_rule(trigger={"kind": "phrase", "phrases": ["x"], "speaker": "boss"}),
            "rule 'refund-request': trigger.speaker: must be 'customer', 'agent' or 'any'",
        ),
        (
            with_rule(trigger={"kind": "phrase", "phrases": ["refund", "um uh"]}),
            "rule 'refund-request': trigger.phrases: 'um uh' has no words to match",
        ),
        (
            with_rule(trigger={"kind": "phrase", "phrases": ["refund", ""]}),
            "rule 'refund-request': trigger.phrases: '' has no words to match",
        ),
        (
            with_rule(trigger={"kind": "sentiment"}),
            "rule 'refund-request': trigger: needs 'below' or 'label'",
        ),
        (
            with_rule(trigger={"kind": "sentiment", "below": 0.5}),
            "rule 'refund-request': trigger.below: must be less than or equal to 0",
        ),
        (
            with_rule(trigger={"kind": "repeated_negative", "count": 3}),
            "rule 'refund-request': trigger.window_s: is required",
        ),
        (
            with_rule(trigger={"kind": "silence", "after_s": 10, "during": "lunch"}),
            "rule 'refund-request': trigger.during: must be 'any', 'hold' or 'not_hold'",
        ),
        (
            with_rule(trigger={"kind": "talk_share", "above": 1.5}),
            "rule 'refund-request': trigger.above: must be less than 1",
        ),
        (with_rule(trigger="refund"), "rule 'refund-request': trigger: must be a table (got str)"),
        ({"rule": []}, "rule: must be a non-empty list"),
        ({}, "rule: is required"),
        ({"rule": [rule("a", PHRASES)], "colour": "red"}, "colour: unknown key"),
        ({"rule": [rule("a", PHRASES)], "version": 2}, "version: must be 1"),
        ({"rule": [rule("a", PHRASES)], "hold_phrases": ["uh"]}, "hold_phrases: 'uh' has no"),
        ({"rule": [rule("a", PHRASES), rule("a", PHRASES)]}, "rule 'a': id: duplicate rule id"),
        ({"rule": [rule("a", PHRASES), "oops"]}, "rule #2: (top level): must be a table (got str)"),
        (
            with_rule(trigger={"kind": "phrase", "phrases": ["refund", MANY_GAPS]}),
            f"rule 'refund-request': trigger.phrases: '{MANY_GAPS}' has 14 gaps ('*'); at most",
        ),
        (
            with_rule(trigger={"kind": "phrase", "phrases": ["refund"] * (MAX_PHRASES + 1)}),
            f"rule 'refund-request': trigger.phrases: has {MAX_PHRASES + 1} items; at most",
        ),
        (
            {"rule": [rule("a", PHRASES)], "hold_phrases": ["hold on " * 30]},
            "hold_phrases: 'hold on hold on hold on hold on hold on hold on hold on hol…' has 240",
        ),
        (
            {"rule": [rule(f"r{i}", {"kind": "phrase", "phrases": ["x"] * 90}) for i in range(12)]},
            f"1080 phrases in all (rules and hold_phrases); at most {MAX_TOTAL_PHRASES} are",
        ),
    ],
)
def test_every_mistake_gives_one_line_naming_rule_and_key(
    data: dict[str, Any], message: str
) -> None:
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(data, "playbook.toml")
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(f"playbook.toml: {message}"), text


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "playbook.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    bad_toml = write(tmp_path, '[[rule]]\nid = "a"\ntitle = \n')
    with pytest.raises(PlaybookError, match=r"playbook\.toml: not valid TOML \(.*line 3"):
        load_playbook(bad_toml)
    with pytest.raises(PlaybookError, match=r"missing\.toml: cannot read"):
        load_playbook(tmp_path / "missing.toml")
    with pytest.raises(PlaybookError, match=r"playbook\.toml: not valid TOML"):
        load_playbook(write(tmp_path, b"\xff\xfe\x00garbage"))
    with pytest.raises(PlaybookError, match=r"cannot read"):
        load_playbook(tmp_path)


def test_error_in_file_names_file_rule_and_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[[rule]]
id = "refund-request"
title = "Refund"
prompt = "Check what you can offer"
priority = 50
cooldown_s = 60
trigger = { kind = "phrase", phrases = [] }
""",
    )
    with pytest.raises(PlaybookError) as caught:
        load_playbook(path)
    assert str(caught.value) == (
        f"{path}: rule 'refund-request': trigger.phrases: must be a non-empty list"
    )


def test_a_copy_of_the_default_with_a_rule_disabled_loads(tmp_path: Path) -> None:
    text = DEFAULT.read_text().replace('id = "dead-air"', 'id = "dead-air"\nenabled = false', 1)
    playbook = load_playbook(write(tmp_path, text))
    assert [r.id for r in playbook.rules if not r.enabled] == ["dead-air"]
