"""The report as one self-contained HTML page: inline CSS, server-rendered SVG, a few lines of
inline script that sort tables, and a Content-Security-Policy that forbids every fetch. Text is
redacted again on the way out; no audio is ever referenced."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from html import escape
from typing import Any

from agent_assist.insights import svg
from agent_assist.insights.collect import Insights, Row
from agent_assist.insights.load import Loaded

Clean = Callable[[str], str]
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; form-action 'none'; base-uri 'none'"
)
STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:0 20px 40px;
color:#222;background:#fff}
h1{margin:18px 0 4px}h2{border-bottom:2px solid #4e79a7;padding-bottom:3px;margin-top:34px}
nav a{margin-right:12px}.muted{color:#666}.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:22px}.problems{background:#fff4e5;border:1px solid #f0c36d;
padding:6px 12px;border-radius:6px}table{border-collapse:collapse;margin:8px 0;width:100%}
th,td{border-bottom:1px solid #e4e4e4;padding:3px 6px;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f5f8}
table.sortable th{cursor:pointer}table.sortable th:after{content:" \\2195";color:#aaa}
tr.small td{color:#888}.tag{font-size:11px;border-radius:3px;padding:0 4px;background:#eee}
.neg{color:#c62828}.snip{color:#444;font-size:13px}.flex{display:flex;flex-wrap:wrap;gap:24px}
section.call{border-top:1px solid #ccc;margin-top:18px}.who{width:80px;color:#555}
"""
SCRIPT = """
document.querySelectorAll('table.sortable th').forEach(function (th) {
  th.addEventListener('click', function () {
    var body = th.closest('table').tBodies[0];
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var up = th.dataset.dir !== 'asc';
    th.dataset.dir = up ? 'asc' : 'desc';
    var key = function (row) {
      var cell = row.cells[index];
      return cell.dataset.v !== undefined ? parseFloat(cell.dataset.v) : cell.textContent;
    };
    Array.from(body.rows).sort(function (a, b) {
      var x = key(a), y = key(b);
      var order = typeof x === 'number' && typeof y === 'number'
        ? (isNaN(x) ? 1 : isNaN(y) ? -1 : x - y) : String(x).localeCompare(String(y));
      return up ? order : -order;
    }).forEach(function (row) { body.appendChild(row); });
  });
});
"""


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def cell(value: Any, text: str | None = None) -> str:
    """A table cell; numbers are right-aligned and sort by value."""
    if value is None and text is not None:
        return f'<td class="n" data-v="NaN">{escape(text)}</td>'
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"<td>{escape(text if text is not None else str(value or ''))}</td>"
    return f'<td class="n" data-v="{value}">{escape(text if text is not None else str(value))}</td>'


def table(headers: Sequence[str], rows: Sequence[str], sortable: bool = True) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    kind = ' class="sortable"' if sortable else ""
    return f"<table{kind}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def render(
    insights: Insights, loaded: Loaded, clean: Clean, detail: int = 50, list_limit: int = 500
) -> str:
    # drivers' examples link to the calls that have a section of their own
    numbers = {r["file"]: r["number"] for r in insights.tables["calls"][:detail]}
    parts = [
        _header(insights),
        _overview(insights),
        _trends(insights),
        _groups(insights),
        _history(insights),
        _drivers(insights, clean, numbers),
        _triggers(insights),
        _calls(insights, clean, detail, list_limit),
        _details(insights, loaded, clean, detail),
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>QA insights report</title><style>{STYLE}</style></head><body>"
        + "".join(parts)
        + f"<script>{SCRIPT}</script></body></html>\n"
    )


def _header(insights: Insights) -> str:
    made = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    nav = "".join(
        f'<a href="#{key}">{label}</a>'
        for key, label in (("overview", "Overview"), ("trends", "Trends"), ("groups", "Teams"),
                           ("drivers", "Drivers"), ("triggers", "Playbook"), ("calls", "Calls"))
    )  # fmt: skip
    problems = ""
    if insights.problems:
        items = "".join(f"<li>{escape(p)}</li>" for p in insights.problems)
        problems = f'<div class="problems"><b>Input notes</b><ul>{items}</ul></div>'
    return (
        f'<h1>QA insights report</h1><p class="muted">Made {made} from files on this machine; '
        f"negative = customer mood below {insights.negative_below:+.2f}. No audio.</p>"
        f"<nav>{nav}</nav>{problems}"
    )


def _overview(insights: Insights) -> str:
    o = insights.overview
    cards = [
        ("calls", str(o["calls"])),
        ("hours", number(o["hours"], 1)),
        ("escalated", percent(o["escalated_share"])),
        ("of those recovered", percent(o["recovered_share"])),
        ("mean mood start → end", f"{number(o['mean_mood_start'])} → {number(o['mean_mood_end'])}"),
        ("messages", str(o["messages"])),
        ("negative messages", percent(o["messages_negative_share"])),
    ]
    card_html = "".join(f'<div class="card"><b>{escape(v)}</b>{escape(k)}</div>' for k, v in cards)
    dist = insights.tables["mood_distribution"]
    chart = svg.grouped_bars(
        [f"{r['bin_from']:+.2f}" for r in dist],
        [(m, [r[m] for r in dist]) for m in ("start", "end", "lowest")],
        "Calls by customer mood at start, end and lowest",
    )
    channels = table(
        ["channel", "kind", "n", "hours", "negative turns", "escalated", "recovered"],
        [
            "<tr>" + cell(r["channel"]) + cell(r["kind"]) + cell(r["n"])
            + cell(r["hours"], number(r["hours"], 1)) + cell(r["negative_share"],
            percent(r["negative_share"])) + cell(r["escalated_share"],
            percent(r["escalated_share"])) + cell(r["recovered_share"],
            percent(r["recovered_share"])) + "</tr>"
            for r in insights.tables["channels"]
        ],
    )  # fmt: skip
    return (
        f'<h2 id="overview">Overview</h2><div class="cards">{card_html}</div>'
        f'<div class="flex"><div><h3>Customer mood (calls per bin)</h3>{chart}'
        '<p class="muted">Bins of 0.25 from −1 (very negative) to +1, by their lower edge.</p>'
        "</div>"
        f"<div><h3>Sentiment and emotion mix</h3>{_mix(insights)}</div></div>"
        f"<h3>Per channel</h3>{channels}"
    )


def _mix(insights: Insights) -> str:
    out = []
    for channel in sorted({r["channel"] for r in insights.tables["sentiment_mix"]}):
        for kind in ("sentiment", "emotion"):
            items = [
                (r["value"], float(r["n"]))
                for r in insights.tables["sentiment_mix"]
                if r["channel"] == channel and r["kind"] == kind
            ]
            if items:
                out.append(f"<div><p><b>{escape(channel)}</b> · {kind}</p>")
                out.append(svg.horizontal_bars(items, f"{channel} {kind} mix", 360) + "</div>")
    return "".join(out) or '<p class="muted">no scored turns</p>'


def _trends(insights: Insights) -> str:
    out = [f'<h2 id="trends">Trends by {insights.period}</h2>']
    for kind, measure in (("calls", "escalated calls"), ("messages", "negative messages")):
        rows = [r for r in insights.tables["trends"] if r["kind"] == kind]
        if not rows:
            continue
        points = [
            (r["period"], r["share"], r["low"], r["high"], r["n"], r["changed"]) for r in rows
        ]
        flagged = [r["period"] for r in rows if r["changed"]]
        note = (
            f'<p class="neg">Sudden change (95 % bands do not overlap): {", ".join(flagged)}</p>'
            if flagged
            else '<p class="muted">No sudden change between periods.</p>'
        )
        out.append(f"<h3>Share of {measure}, with 95 % Wilson band</h3>")
        out.append(svg.band_line(points, f"Share of {measure} per {insights.period}") + note)
    if len(out) == 1:
        out.append('<p class="muted">no dated calls or messages</p>')
    return "".join(out)


def _groups(insights: Insights) -> str:
    out = ['<h2 id="groups">Agents, teams and queues</h2><p class="muted">Groups with fewer '
           "calls than the minimum are greyed, marked small and not ranked. The median is over "
           "the groups (an agent: the agents of the same team).</p>"]  # fmt: skip
    for by in ("agent", "team", "queue"):
        rows = insights.tables[f"by_{by}"]
        out.append(f"<h3>Per {by}</h3>")
        out.append(table(
            [by, "calls", "hours", "escalated", "median", "recovered", "median",
             "mean end mood", "median", "rank"],
            [_group_row(r) for r in rows],
        ))  # fmt: skip
    return "".join(out)


def _history(insights: Insights) -> str:
    agents = insights.tables["history_agents"]
    if not agents:
        return ""
    rows = [
        f'<tr class="{"small" if r["small"] else ""}">' + cell(r["agent"]) + cell(r["calls"])
        + cell(r["hours"], number(r["hours"], 1)) + cell(r["mean_mood"], number(r["mean_mood"]))
        + cell(r["negative_time_share"], percent(r["negative_time_share"]))
        + cell(r["used"]) + cell(r["dismissed"]) + cell(r["used_share"], percent(r["used_share"]))
        + "</tr>"
        for r in agents
    ]  # fmt: skip
    triggers = [
        "<tr>" + cell(r["id"]) + cell(r["fired"]) + cell(r["agents"]) + "</tr>"
        for r in insights.tables["history_triggers"]
    ]
    return (
        "<h3>Agents' call history (history stats exports, aggregates only)</h3>"
        + table(["agent", "calls", "hours", "mean mood", "time negative", "suggestions used",
                 "dismissed", "used share"], rows)
        + "<h3>Top triggers in history</h3>"
        + table(["suggestion", "fired", "agents"], triggers)
    )  # fmt: skip


def _group_row(r: Row) -> str:
    name = escape(str(r["name"])) + (' <span class="tag">small</span>' if r["small"] else "")
    return (
        f'<tr class="{"small" if r["small"] else ""}"><td>{name}</td>'
        + cell(r["calls"]) + cell(r["hours"], number(r["hours"], 1))
        + cell(r["escalated_share"], percent(r["escalated_share"]))
        + cell(r["median_escalated_share"], percent(r["median_escalated_share"]))
        + cell(r["recovered_share"], percent(r["recovered_share"]))
        + cell(r["median_recovered_share"], percent(r["median_recovered_share"]))
        + cell(r["mean_mood_end"], number(r["mean_mood_end"]))
        + cell(r["median_mean_mood_end"], number(r["median_mean_mood_end"]))
        + cell(r["rank"] if r["rank"] is not None else "", str(r["rank"] or "–")) + "</tr>"
    )  # fmt: skip


def _drivers(insights: Insights, clean: Clean, numbers: dict[str, int]) -> str:
    out = ['<h2 id="drivers">Drivers of negative sentiment</h2><p class="muted">Words and '
           "phrases over-represented in negative items compared with all items: weighted "
           "log-odds with an informative Dirichlet prior (Monroe et al. 2008); z above 1.96 is "
           "unlikely by chance.</p>"]  # fmt: skip
    for key, title in (("drivers_calls", "customer turns of calls"),
                       ("drivers_texts", "messages of text channels")):  # fmt: skip
        rows = insights.tables[key]
        if not rows:
            continue
        chart = svg.horizontal_bars([(r["term"], r["z"]) for r in rows], f"Drivers: {title}",
                                    420, svg.NEGATIVE)  # fmt: skip
        body = [
            "<tr>" + cell(r["term"]) + cell(r["z"]) + cell(r["negative_count"]) + cell(r["count"])
            + f"<td>{_examples(r['examples'], clean, numbers)}</td></tr>"
            for r in rows
        ]  # fmt: skip
        out.append(f'<h3>Negative {title}</h3><div class="flex">{chart}</div>')
        out.append(table(["term", "z", "in negative", "in all", "examples"], body))
    if len(out) == 1:
        out.append('<p class="muted">no scored text</p>')
    return "".join(out)


def _examples(examples: list[Row], clean: Clean, numbers: dict[str, int]) -> str:
    parts = []
    for example in examples:
        text = f'<span class="snip">“{escape(clean(example["snippet"]))}”</span>'
        number_ = numbers.get(example["ref"])
        if number_ is not None:
            text += f' <a href="#call-{number_}">call {number_}</a>'
        parts.append(text)
    return "<br>".join(parts)


def _triggers(insights: Insights) -> str:
    rows = [
        "<tr>" + cell(r["id"]) + cell(r["title"] or "") + cell(r["fired"]) + cell(r["calls"])
        + cell(r["mood_change_next_minute"], number(r["mood_change_next_minute"]))
        + cell(r["used"]) + cell(r["dismissed"])
        + cell(r["change_after_used"], number(r["change_after_used"]))
        + cell(r["change_after_dismissed"], number(r["change_after_dismissed"])) + "</tr>"
        for r in insights.tables["triggers"]
    ]  # fmt: skip
    return (
        '<h2 id="triggers">Playbook suggestions</h2><p class="muted">How often each suggestion '
        "fired, how often the agent marked it used or dismissed (feedback comes from a history "
        "database given as input), and the customer's mean mood change over the minute after "
        "it: after it fired, after a used one and after a dismissed one.</p>"
        + table(["suggestion", "title", "fired", "calls", "mood change next minute", "used",
                 "dismissed", "change after used", "change after dismissed"], rows)
    )  # fmt: skip


def _calls(insights: Insights, clean: Clean, detail: int, limit: int) -> str:
    calls = insights.tables["calls"]
    rows = []
    for r in calls[:limit]:
        name = escape(clean(str(r["call"])))
        if r["number"] <= detail:
            name = f'<a href="#call-{r["number"]}">{name}</a>'
        rows.append(
            f"<tr>{cell(r['number'])}<td>{name}</td>" + cell(r["agent"]) + cell(r["day"])
            + cell(r["duration"], f"{r['duration'] or 0:.0f} s")
            + cell(r["mood_min"], number(r["mood_min"]))
            + cell(r["mood_end"], number(r["mood_end"]))
            + cell(r["longest_negative"], f"{r['longest_negative'] or 0:.0f} s")
            + cell("recovered" if r["recovered"] else "escalated" if r["escalated"] else "")
            + "</tr>"
        )  # fmt: skip
    more = (
        f'<p class="muted">The {limit} calls with the lowest mood of {len(calls)}; '
        "the CSV / JSON export lists all.</p>"
        if len(calls) > limit
        else ""
    )
    return (
        '<h2 id="calls">Calls</h2><p class="muted">Sorted by lowest customer mood; click a '
        "heading to sort by another column.</p>" + more
        + table(["#", "call", "agent", "day", "length", "lowest mood", "end mood",
                 "longest negative", "outcome"], rows)
    )  # fmt: skip


def _details(insights: Insights, loaded: Loaded, clean: Clean, detail: int) -> str:
    out = []
    for r in insights.tables["calls"][:detail]:
        moods = loaded.con.execute(
            "SELECT time, score FROM moods WHERE file = ? ORDER BY time", [r["file"]]
        ).fetchall()
        turns = loaded.con.execute(
            "SELECT speaker, start, text, label FROM turns WHERE file = ? ORDER BY start",
            [r["file"]],
        ).fetchall()
        name = clean(str(r["call"]))
        chart = svg.mood_timeline(moods, r["duration"] or 0.0, insights.negative_below,
                                  f"Customer mood over {name}")  # fmt: skip
        lines = [
            f'<tr><td class="who">{escape(str(speaker))}</td><td class="n">{start:.0f} s</td>'
            f'<td class="{"neg" if label == "negative" else ""}">{escape(clean(text or ""))}</td>'
            "</tr>"
            for speaker, start, text, label in turns
        ]
        out.append(
            f'<section class="call" id="call-{r["number"]}"><h3>{r["number"]}. {escape(name)}'
            f'</h3><p class="muted">{escape(str(r["agent"]))} · {escape(str(r["day"]))} · '
            f"lowest mood {number(r['mood_min'])}, end {number(r['mood_end'])}</p>{chart}"
            + table(["speaker", "at", "text"], lines, sortable=False)
            + "</section>"
        )
    return "<h2>Call details</h2>" + "".join(out) if out else ""
