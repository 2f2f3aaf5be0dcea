"""The HTML page: self-contained (no URL, no external resource), charts as inline SVG, redaction
held, no audio, the calls list linked to per-call sections."""

from __future__ import annotations

import re
from pathlib import Path

from agent_assist.insights.collect import collect
from agent_assist.insights.load import load
from agent_assist.insights.page import render
from agent_assist.redact import Redactor
from tests.insights.conftest import NEGATIVE_BELOW, archive_paths, mood, summary, turn, write_call

SECRET_MAIL = "jane.doe@example.com"
SECRET_CARD = "4111 1111 1111 1111"


def _page(root: Path) -> str:
    # a call whose text kept PII (e.g. analyzed with --no-redact): the report redacts it again
    write_call(root / "calls", "leaky", [
        turn("customer", 1, f"mail {SECRET_MAIL} card {SECRET_CARD} it is broken", "negative"),
        mood(2, -0.9),
        summary("leaky", 5.0, [-0.9]),
    ])  # fmt: skip
    loaded = load(archive_paths(root), NEGATIVE_BELOW)
    return render(collect(loaded, "week", 2), loaded, Redactor().redact)


def test_the_page_is_self_contained(archive: Path) -> None:
    page = _page(archive)
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"(?i)\b(?:https?|ftp|wss?)://|//[a-z0-9.-]+\.[a-z]{2,}/", page)
    assert not re.search(r"(?i)<(?:link|iframe|img|audio|video|source|object|embed)\b", page)
    assert not re.search(r"(?i)\bsrc\s*=|@import|url\(", page)
    assert "default-src 'none'" in page  # the browser itself refuses any fetch
    assert page.count("<svg") >= 5


def test_redaction_holds(archive: Path) -> None:
    page = _page(archive)
    assert SECRET_MAIL not in page
    assert SECRET_CARD not in page and "4111" not in page
    assert "[EMAIL]" in page and "[CARD]" in page


def test_calls_link_to_their_sections(archive: Path) -> None:
    page = _page(archive)
    # the leaky call has the lowest mood (-0.9): number 1, then call-a (-0.6)
    assert '<a href="#call-1">leaky</a>' in page
    assert '<section class="call" id="call-1">' in page
    assert '<section class="call" id="call-2"><h3>2. call-a</h3>' in page
    assert "The delay ruined my day" in page  # transcript of call-a
    assert page.count('class="sortable"') >= 5


def test_text_is_escaped(archive: Path) -> None:
    write_call(archive / "calls", "xss", [
        turn("customer", 1, "<script>alert(1)</script> broken", "negative"),
        mood(2, -0.95),
        summary("<b>xss</b>", 5.0, [-0.95]),
    ])  # fmt: skip
    page = _page(archive)
    assert "<script>alert" not in page and "<b>xss</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_examples_link_only_to_calls_with_a_section(archive: Path) -> None:
    loaded = load(archive_paths(archive), NEGATIVE_BELOW)
    insights = collect(loaded, "week", 2)
    insights.tables["drivers_calls"] = [
        {"term": "bag", "z": 1.0, "negative_count": 1, "count": 1, "examples": [
            {"ref": str(archive / "calls" / "call-b.jsonl"), "snippet": "You lost my bag"}]},
    ]  # fmt: skip
    with_section = render(insights, loaded, Redactor().redact, detail=2)
    assert '“You lost my bag”</span> <a href="#call-2">call 2</a>' in with_section
    without = render(insights, loaded, Redactor().redact, detail=1)
    assert "“You lost my bag”" in without and 'href="#call-2"' not in without
