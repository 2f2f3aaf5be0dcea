"""``privacy.redact_keep``: RE2, whole tokens only, and never a pattern that keeps real PII."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_assist.errors import ConfigError
from agent_assist.redact import Redactor, check_keep_patterns


@pytest.mark.parametrize(
    "pattern",
    [".*", ".+", r"\d+", "[0-9 ]+", r"[\d-]+", r".*@.*", r"\w+", "[A-Za-z0-9]+", r"\S+"],
)
def test_a_pattern_that_keeps_real_pii_is_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match=r"^privacy\.redact_keep: pattern .* would keep") as info:
        check_keep_patterns([pattern])
    assert repr(pattern) in str(info.value)
    assert "\n" not in str(info.value)
    with pytest.raises(ConfigError, match=r"privacy\.redact_keep"):
        Redactor([pattern])


@pytest.mark.parametrize("pattern", [r"(?<=ORD)\d+", r"(a)\1", "(ORD"])
def test_a_pattern_re2_cannot_run_is_refused_in_one_line(pattern: str) -> None:
    with pytest.raises(ValueError, match=r"^privacy\.redact_keep: invalid regex") as info:
        check_keep_patterns([pattern])
    assert repr(pattern) in str(info.value) and "\n" not in str(info.value)


def test_safe_patterns_pass() -> None:
    check_keep_patterns([r"ORD-\d+", "TICKET-[0-9]{6}", r"(19|20)\d\d"])


def test_a_keep_pattern_must_match_a_whole_token_not_part_of_a_card() -> None:
    redactor = Redactor(["[0-9]{4}-[0-9]{4}"])
    assert redactor.redact("card 4111-1111-1111-1111 ok") == "card [CARD] ok"
    assert redactor.redact("ref 1234-5678, thanks") == "ref 1234-5678, thanks"


@given(st.integers(0, 10**8 - 1), st.sampled_from(["", ".", ",", ")"]))
def test_a_kept_id_stays_readable_beside_punctuation(order: int, post: str) -> None:
    redactor = Redactor([r"ORD-\d+"])
    text = f"order (ORD-{order:08d}{post} and 4111 1111 1111 1111"
    assert redactor.redact(text) == f"order (ORD-{order:08d}{post} and [CARD]"


def test_a_catastrophic_keep_pattern_runs_in_linear_time() -> None:
    """``(x+x+)+y`` backtracks exponentially in Python's ``re``; RE2 cannot."""
    code = (
        "from agent_assist.redact import Redactor\n"
        "r = Redactor(['(x+x+)+y'])\n"
        "print(r.redact('x' * 5000 + ' ' + 'x' * 40 + ' 4111 1111 1111 1111'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip().endswith("[CARD]")
