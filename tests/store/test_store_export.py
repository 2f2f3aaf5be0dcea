import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from store_calls import NOON, PII, sample_call

from agent_assist.events import MoodUpdate
from agent_assist.store.export import (
    STATS_COLUMNS,
    TRANSCRIPT_COLUMNS,
    export_call,
    stats_csv,
    write_private,
)
from agent_assist.store.history import History

SVG = "{http://www.w3.org/2000/svg}"
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture
def stored(tmp_path: Path) -> Iterator[tuple[History, int]]:
    history = History.open(tmp_path / "h.sqlite3", retention_days=3650)
    call_id = history.save_call("sample <call> & co", NOON, sample_call())
    assert call_id is not None
    yield history, call_id
    history.close()


def assert_no_pii(text: str) -> None:
    for secret in PII:
        assert secret not in text, secret


def test_json_export(stored: tuple[History, int]) -> None:
    history, call_id = stored
    text = export_call(history, call_id, "json")
    body = json.loads(text)
    assert body["call"]["id"] == call_id and body["call"]["name"] == "sample <call> & co"
    assert body["summary"]["negative_seconds"] == 5.0
    assert [e["type"] for e in body["events"]][:3] == ["transcript", "mood", "transcript"]
    assert body["events"][0]["text"] == "my card is [CARD] and it was charged twice"
    assert_no_pii(text)


def test_csv_export_is_a_flat_transcript(stored: tuple[History, int]) -> None:
    history, call_id = stored
    rows = list(csv.reader(io.StringIO(export_call(history, call_id, "csv"))))
    assert tuple(rows[0]) == TRANSCRIPT_COLUMNS
    assert rows[0][5:] == ["sentiment", "asr_confidence", "customer_mood", "customer_mood_words"]
    # the customer's mood after each line on the app's scale (moods -0.6, agent 0.1, -0.2)
    assert [(r[3], r[5], r[6], r[7], r[8]) for r in rows[1:]] == [
        ("customer", "negative", "0.910", "-60", "upset"),
        ("agent", "neutral", "0.910", "-60", "upset"),
        ("customer", "neutral", "0.910", "-20", "neutral"),
    ]
    assert rows[3][4] == "call me back on [PHONE] or mail [EMAIL]"
    assert_no_pii("\n".join(",".join(r) for r in rows))


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [v or "" for k, v in attrs if k in ("src", "href")]


def test_html_report_is_standalone_and_redacted(stored: tuple[History, int]) -> None:
    history, call_id = stored
    text = export_call(history, call_id, "html")
    root = ET.fromstring(text.split("\n", 1)[1])  # well-formed, so any browser parses it
    parser = _Collector()
    parser.feed(text)
    assert {"html", "svg", "polyline", "table", "style"} <= set(parser.tags)
    assert parser.links == [] and "url(" not in text and "<script" not in text
    lines = {p.get("class"): p.get("points") for p in root.iter(f"{SVG}polyline")}
    assert set(lines) == {"mood-customer", "mood-agent"}
    assert len(str(lines["mood-customer"]).split()) == 2
    assert len(list(root.iter(f"{SVG}g"))) == 2  # one marker per suggestion
    rows = [tr for tr in root.iter(f"{XHTML}tr") if tr.get("class") == "said-customer negative"]
    assert len(rows) == 1 and "[CARD]" in "".join(rows[0].itertext())
    assert "sample &lt;call&gt; &amp; co" in text
    assert_no_pii(text)


def test_mood_points_follow_the_scores(stored: tuple[History, int]) -> None:
    history, call_id = stored
    root = ET.fromstring(export_call(history, call_id, "html").split("\n", 1)[1])
    [customer] = [p for p in root.iter(f"{SVG}polyline") if p.get("class") == "mood-customer"]
    points = [tuple(map(float, p.split(","))) for p in customer.get("points", "").split()]
    (x1, y1), (x2, y2) = points
    assert x1 < x2  # later in the call is further right
    assert y1 > y2  # -0.6 is drawn lower than -0.2 (SVG y grows downwards)


def test_export_redacts_again(stored: tuple[History, int]) -> None:
    history, call_id = stored
    # text that reached the store unredacted (an older build, a hand edit) is still redacted
    history._db().execute(
        "UPDATE events SET body = replace(body, '[PHONE]', '555-987-6543') WHERE call_id = ?",
        (call_id,),
    )
    for fmt in ("json", "csv", "html"):
        out = export_call(history, call_id, fmt)
        assert "555-987-6543" not in out and "[PHONE]" in out


def test_stats_csv(stored: tuple[History, int]) -> None:
    history, _ = stored
    history.record_feedback(None, "calm_down", "used", NOON)
    rows = list(csv.reader(io.StringIO(stats_csv(history.stats("week")))))
    assert tuple(rows[0]) == STATS_COLUMNS
    assert rows[1] == [
        "2026-W47",
        "1",
        "12.0",
        "-40",
        "upset",
        "5.0",
        "calm_down:1;verify_identity:1",
        "1",
        "0",
    ]


def test_write_private(tmp_path: Path) -> None:
    target = tmp_path / "out.html"
    target.write_text("old")
    target.chmod(0o644)
    write_private(target, "new")
    assert target.read_text() == "new"
    assert oct(target.stat().st_mode & 0o777) == "0o600"


def test_unknown_format(stored: tuple[History, int]) -> None:
    history, call_id = stored
    with pytest.raises(ValueError, match=re.escape("json, csv, html")):
        export_call(history, call_id, "pdf")  # type: ignore[arg-type]


def test_csv_cells_cannot_run_as_formulas(tmp_path: Path) -> None:
    from store_calls import final

    from agent_assist.store.history import StatsRow

    with History.open(tmp_path / "h.sqlite3", retention_days=3650) as history:
        events = [
            final("customer", 0.0, '=HYPERLINK("http://x.example","click")', "negative"),
            final("agent", 4.0, "@SUM(A1:A9)", "neutral"),
        ]
        call_id = history.save_call("formulas", NOON, events)
        assert call_id is not None
        rows = list(csv.reader(io.StringIO(export_call(history, call_id, "csv"))))
    assert rows[1][4] == '\'=HYPERLINK("http://x.example","click")' and rows[1][1] == "0.00"
    assert rows[2][4] == "'@SUM(A1:A9)"
    stats = StatsRow("2026-W47", 1, 12.0, -0.4, 5.0, (("=cmd|'/C calc'!A0", 2),), 0, 0)
    written = list(csv.reader(io.StringIO(stats_csv([stats]))))[1]
    assert written[3:5] == ["-40", "upset"] and written[6] == "'=cmd|'/C calc'!A0:2"


def test_a_failed_export_keeps_the_old_file_whole(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    import os

    target = tmp_path / "call.csv"
    target.write_text("old export")

    real_fdopen = os.fdopen

    class Full(io.TextIOWrapper):
        def write(self, text: str) -> int:
            super().write(text[:100])
            self.flush()
            raise OSError(28, "No space left on device")

    def fdopen(fd: int, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        return Full(real_fdopen(fd, "wb"), encoding="utf-8")

    monkeypatch.setattr(os, "fdopen", fdopen)
    with pytest.raises(Exception, match="(?i)no space left on device"):
        write_private(target, "x" * 100_000)
    assert target.read_text() == "old export" and os.listdir(tmp_path) == ["call.csv"]


def test_html_shows_moods_as_the_app_and_tints_only_customer_lines(tmp_path: Path) -> None:
    from store_calls import final

    events = [
        final("customer", 0.0, "this is the third time I am calling", "negative"),
        MoodUpdate("customer", 3.0, -0.7, "falling", False),
        final("agent", 4.0, "I am so sorry, that is awful", "negative"),
        MoodUpdate("agent", 7.0, -0.5, "falling", False),
        final("customer", 8.0, "ok thank you", "positive"),
        MoodUpdate("customer", 11.0, 0.3, "rising", False),
    ]
    with History.open(tmp_path / "h.sqlite3", retention_days=3650) as history:
        call_id = history.save_call("apology", NOON, events)
        assert call_id is not None
        text = export_call(history, call_id, "html")
    root = ET.fromstring(text.split("\n", 1)[1])
    summary = {
        "".join(tr.find(f"{XHTML}th").itertext()): "".join(tr.find(f"{XHTML}td").itertext())
        for tr in root.iter(f"{XHTML}tr")
        if tr.find(f"{XHTML}th") is not None
    }
    assert summary["Average customer mood"] == "-20 (neutral)"  # (-0.7 + 0.3) / 2
    classes = [tr.get("class") for tr in root.iter(f"{XHTML}tr") if tr.find(f"{XHTML}th") is None]
    assert classes == ["said-customer negative", "said-agent", "said-customer positive"]
    css = root.find(f"{XHTML}head/{XHTML}style")
    assert css is not None and "tr.negative" not in str(css.text)
    assert "tr.said-customer.negative td" in str(css.text)
    axis = [t.text for t in root.iter(f"{SVG}text")]
    assert "+100" in axis and "-100" in axis and "+1" not in axis
    assert "-100 very upset, 0 neutral, +100 very happy" in text
    assert "-0.70" not in text and "+0.30" not in text
