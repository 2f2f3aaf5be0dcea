"""Fuzzing the playbook loader: random text and bytes, and the real default playbook with keys
dropped, renamed, retyped or given odd values (structurally valid, semantically wrong).

Every input must end in a ``Playbook`` that the guidance engine can run, or one
``PlaybookError`` line naming the file; never another exception, never a hang. Phrase strings
alone (any text, and phrases full of ``*`` gaps) either compile and match a long call at once
or raise one ``PhraseSyntaxError`` line.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from agent_assist import paths
from agent_assist.config import GuidanceConfig
from agent_assist.errors import PlaybookError
from agent_assist.events import MoodUpdate, Sentiment, TranscriptFinal, Word
from agent_assist.guidance.engine import GuidanceEngine
from agent_assist.guidance.playbook import TRIGGER_KINDS, Playbook, load_playbook, parse_playbook
from agent_assist.guidance.text import (
    MAX_GAPS,
    MAX_PHRASE_CHARS,
    MAX_WORDS,
    PhraseSyntaxError,
    compile_phrase,
    normalize,
)
from tests.fuzz.support import FUZZ, no_hang, result_or_clean_error

DEFAULT = tomllib.loads(paths.default_playbook().read_text(encoding="utf-8"))
KEYS = sorted({k for rule in DEFAULT["rule"] for k in [*rule, *rule["trigger"]]})
PHRASE_BITS = ["*", "|", "a|", "|b", "**", "cancel*", "*x", "a*b", "'", "-", "3rd", "", " ", "é"]

phrases = st.builds(
    lambda bits, sep: sep.join(bits),
    st.lists(st.sampled_from(PHRASE_BITS), max_size=5),
    st.sampled_from(["", " "]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(TRIGGER_KINDS + ["customer", "agent", "any", "hold", "falling", "negative"]),
    st.lists(phrases, max_size=4),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), inner, max_size=3),
    ),
    max_leaves=8,
)

SENTIMENT = Sentiment("negative", {"negative": 0.8, "neutral": 0.15, "positive": 0.05}, "anger")
LINE = "this is the third time I am calling, cancel my account or get me a manager"


def run_engine(playbook: Playbook) -> None:
    """A loaded playbook must also run: a transcript, a mood and a long silence."""
    engine = GuidanceEngine(playbook, GuidanceConfig())
    words = tuple(Word(0.2 * i, 0.2 * i + 0.15, w, 0.9) for i, w in enumerate(LINE.split()))
    for speaker in ("customer", "agent"):
        engine.observe(TranscriptFinal(speaker, 1.0, 4.0, LINE, 0.9, SENTIMENT, True, words))
    engine.observe(MoodUpdate("customer", 4.0, -0.7, "falling", False, "negative"))
    engine.tick(4000.0)


def parse(data: Any) -> None:
    outcome = result_or_clean_error(
        lambda: parse_playbook(data, "fuzz.toml"), PlaybookError, names="fuzz.toml"
    )
    if isinstance(outcome, Playbook):
        run_engine(outcome)


@st.composite
def mutated_default(draw: st.DrawFn) -> dict[str, Any]:
    """The default playbook with 1-4 edits: drop, retype, rename a key, or duplicate a rule."""
    data = copy.deepcopy(DEFAULT)
    for _ in range(draw(st.integers(1, 4))):
        rules = data.get("rule")
        target: dict[str, Any] = data
        if isinstance(rules, list) and rules and draw(st.booleans()):
            rule = rules[draw(st.integers(0, len(rules) - 1))]
            target = rule
            if (
                isinstance(rule, dict)
                and isinstance(rule.get("trigger"), dict)
                and draw(st.booleans())
            ):
                target = rule["trigger"]
        if not isinstance(target, dict) or not target:
            break
        key = draw(st.sampled_from(sorted(target)))
        edit = draw(st.sampled_from(["drop", "retype", "rename", "retype", "duplicate"]))
        if edit == "drop":
            del target[key]
        elif edit == "retype":
            target[key] = draw(values)
        elif edit == "rename":
            target[draw(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)))] = target.pop(key)
        elif isinstance(rules, list) and rules:
            rules.append(copy.deepcopy(rules[draw(st.integers(0, len(rules) - 1))]))
    return data


@FUZZ
@given(data=mutated_default())
@example(data={**DEFAULT, "rule": []})
@example(data={**DEFAULT, "hold_phrases": ["*"]})
@example(data={"rule": [{**DEFAULT["rule"][0], "trigger": {"kind": "phrase", "phrases": ["*"]}}]})
@example(data={"rule": [{**DEFAULT["rule"][0], "trigger": {"kind": "phrase", "phrases": ["|"]}}]})
@example(data={"rule": [{**DEFAULT["rule"][0], "trigger": "phrase"}]})
@example(data={"rule": [{**DEFAULT["rule"][0], "trigger": {"kind": ["phrase"]}}]})
@example(data={"rule": [{**DEFAULT["rule"][0], "id": "a\nb"}]})
@example(data={"rule": [{**DEFAULT["rule"][0], "trigger": {"kind": "silence", "after_s": 1e-300}}]})
def test_the_default_playbook_with_wrong_keys_and_values(data: dict[str, Any]) -> None:
    parse(data)


@FUZZ
@given(
    data=st.dictionaries(
        st.one_of(
            st.sampled_from(["rule", "version", "name", "hold_phrases"]), st.text(max_size=6)
        ),
        values,
        max_size=4,
    )
)
@example(data={"rule": [{}]})
@example(data={"rule": [{"id": "x", "trigger": {"kind": {"a": 1}}}]})
def test_random_dicts(data: dict[str, Any]) -> None:
    parse(data)


@FUZZ
@given(data=st.one_of(st.binary(max_size=512), st.text(max_size=512).map(str.encode)))
@example(data=b"\xff\xfe")
@example(data=b'[[rule]]\nid = "a"\n[rule.trigger]\nkind = "phrase"\nphrases = ["\\u0000"]\n')
def test_random_bytes_as_a_playbook_file(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "playbook.toml"
    path.write_bytes(data)
    outcome = result_or_clean_error(lambda: load_playbook(path), PlaybookError, names=path)
    if isinstance(outcome, Playbook):
        run_engine(outcome)


LONG_CALL = normalize("i want a b the refund a b " * 2000)
GAPPY_BITS = ["*", "*", "*", "a|b", "a*", "the", "refund", "b|the*", "i", "x|y|z", "don't"]


def compile_and_search(phrase: str) -> None:
    """A phrase compiles and matches a long call, or is refused with one clear line."""
    try:
        with no_hang():
            compiled = compile_phrase(phrase)
            compiled.search(LONG_CALL)
    except PhraseSyntaxError as error:
        message = str(error)
        assert message.startswith("'") and "\n" not in message, message
        return
    assert sum(slot.gap for slot in compiled.slots) <= MAX_GAPS
    assert len(compiled.slots) <= MAX_GAPS + MAX_WORDS
    assert len(phrase) <= MAX_PHRASE_CHARS


@FUZZ
@given(phrase=st.lists(st.sampled_from(GAPPY_BITS), max_size=40).map(" ".join))
@example(phrase="i " + "* " * 14 + "nevermatched")
@example(phrase=" * ".join(["a|b"] * 30))
def test_gap_heavy_phrases_compile_and_match_without_hanging(phrase: str) -> None:
    compile_and_search(phrase)


@FUZZ
@given(phrase=st.one_of(st.text(max_size=300), phrases))
@example(phrase="\x00*|" * 80)
@example(phrase="|".join(["a*"] * 66))
def test_any_phrase_text_compiles_or_is_refused_cleanly(phrase: str) -> None:
    compile_and_search(phrase)
