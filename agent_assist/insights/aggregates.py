"""The report's figures, computed in DuckDB over the tables of ``load``.

Every function returns plain rows (``list[dict]``) so the HTML page and the CSV / JSON export
show the same numbers. "Escalated": the customer's lowest mood fell below ``mood.negative_below``;
"recovered": an escalated call whose last customer mood is back at or above it.
"""

from __future__ import annotations

from typing import Any

from agent_assist.insights.load import Loaded
from agent_assist.insights.stats import median, rounded, share, wilson

Row = dict[str, Any]
MIN_GROUP_CALLS = 20
BIN_WIDTH = 0.25
BINS = 8  # [-1, 1] in steps of 0.25
GROUPS = ("agent", "team", "queue")


def _rows(loaded: Loaded, sql: str, params: dict[str, Any] | None = None) -> list[Row]:
    cursor = loaded.con.execute(sql, params or {})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def overview(loaded: Loaded) -> Row:
    """Calls, hours, escalated and recovered shares, mean customer moods; messages of text
    channels."""
    row = _rows(
        loaded,
        "SELECT count(*) AS calls, coalesce(sum(duration), 0) / 3600 AS hours, "
        "count(*) FILTER (WHERE escalated) AS escalated, "
        "count(*) FILTER (WHERE recovered) AS recovered, "
        "avg(mood_start) AS mean_mood_start, avg(mood_end) AS mean_mood_end, "
        "avg(mood_min) AS mean_mood_min FROM calls",
    )[0]
    messages = _rows(
        loaded,
        "SELECT count(*) AS messages, count(*) FILTER (WHERE label = 'negative') AS negative "
        "FROM texts",
    )[0]
    return {
        "calls": row["calls"],
        "hours": rounded(row["hours"]),
        "escalated": row["escalated"],
        "escalated_share": rounded(share(row["escalated"], row["calls"])),
        "recovered": row["recovered"],
        "recovered_share": rounded(share(row["recovered"], row["escalated"])),
        "mean_mood_start": rounded(row["mean_mood_start"]),
        "mean_mood_end": rounded(row["mean_mood_end"]),
        "mean_mood_min": rounded(row["mean_mood_min"]),
        "messages": messages["messages"],
        "messages_negative_share": rounded(share(messages["negative"], messages["messages"])),
    }


def mood_distributions(loaded: Loaded) -> list[Row]:
    """Calls per mood bin (width 0.25 over [-1, 1]) of the customer's start, end and lowest
    mood."""
    counts = {
        (measure, b): n
        for measure, b, n in loaded.con.execute(
            "SELECT measure, least(greatest(floor((value + 1) / $w), 0), $last)::INT AS bin, "
            'count(*) FROM (UNPIVOT (SELECT mood_start AS "start", mood_end AS "end", '
            'mood_min AS lowest FROM calls) ON "start", "end", lowest '
            "INTO NAME measure VALUE value) WHERE value IS NOT NULL GROUP BY ALL",
            {"w": BIN_WIDTH, "last": BINS - 1},
        ).fetchall()
    }
    return [
        {
            "bin_from": round(-1 + b * BIN_WIDTH, 2),
            "bin_to": round(-1 + (b + 1) * BIN_WIDTH, 2),
            **{measure: counts.get((measure, b), 0) for measure in ("start", "end", "lowest")},
        }
        for b in range(BINS)
    ]


def sentiment_mix(loaded: Loaded) -> list[Row]:
    """Customer turns of calls and messages of text channels by sentiment and by emotion, per
    channel."""
    return _rows(
        loaded,
        "WITH items AS ("
        " SELECT c.channel, t.label, t.emotion FROM turns t JOIN calls c USING (file)"
        " WHERE t.speaker = 'customer' AND t.label IS NOT NULL"
        " UNION ALL SELECT channel, label, emotion FROM texts)"
        " SELECT channel, 'sentiment' AS kind, label AS value, count(*) AS n FROM items"
        " GROUP BY ALL UNION ALL"
        " SELECT channel, 'emotion', emotion, count(*) FROM items WHERE emotion IS NOT NULL"
        " GROUP BY ALL ORDER BY channel, kind, n DESC, value",
    )


def channels(loaded: Loaded) -> list[Row]:
    """Per channel: calls (or messages), hours, negative share of customer turns, escalated and
    recovered shares (calls only)."""
    rows = _rows(
        loaded,
        "SELECT channel, 'calls' AS kind, count(*) AS n, sum(duration) / 3600 AS hours, "
        "sum(customer_negative) AS negative, sum(customer_turns) AS items, "
        "count(*) FILTER (WHERE escalated) AS escalated, "
        "count(*) FILTER (WHERE recovered) AS recovered FROM calls GROUP BY channel "
        "UNION ALL SELECT channel, 'messages', count(*), NULL, "
        "count(*) FILTER (WHERE label = 'negative'), count(*), NULL, NULL FROM texts "
        "GROUP BY channel ORDER BY kind, channel",
    )
    return [
        {
            "channel": r["channel"],
            "kind": r["kind"],
            "n": r["n"],
            "hours": rounded(r["hours"]),
            "negative_share": rounded(share(r["negative"], r["items"])),
            "escalated_share": rounded(share(r["escalated"], r["n"]))
            if r["escalated"] is not None
            else None,
            "recovered_share": rounded(share(r["recovered"], r["escalated"]))
            if r["escalated"]
            else None,
        }
        for r in rows
    ]


def trends(loaded: Loaded, period: str = "week") -> list[Row]:
    """Per day or week and kind (calls: escalated share; messages: negative share), with n, a 95 %
    Wilson band and ``changed`` when the band does not overlap the previous period's."""
    unit = "week" if period == "week" else "day"
    rows = _rows(
        loaded,
        f"SELECT 'calls' AS kind, date_trunc('{unit}', day)::DATE AS period, count(*) AS n, "
        "count(*) FILTER (WHERE escalated) AS hits, avg(mood_end) AS mean_mood_end "
        "FROM calls WHERE day IS NOT NULL GROUP BY ALL "
        f"UNION ALL SELECT 'messages', date_trunc('{unit}', TRY_CAST(date AS DATE))::DATE, "
        "count(*), count(*) FILTER (WHERE label = 'negative'), NULL FROM texts "
        "WHERE TRY_CAST(date AS DATE) IS NOT NULL GROUP BY ALL ORDER BY kind, period",
    )
    out: list[Row] = []
    previous: Row | None = None
    for r in rows:
        low, high = wilson(r["hits"], r["n"])
        row = {
            "kind": r["kind"],
            "period": r["period"].isoformat(),
            "n": r["n"],
            "share": rounded(share(r["hits"], r["n"])),
            "low": rounded(low),
            "high": rounded(high),
            "mean_mood_end": rounded(r["mean_mood_end"]),
            "changed": False,
        }
        if previous is not None and previous["kind"] == row["kind"]:
            row["changed"] = low > previous["high"] or high < previous["low"]
        out.append(row)
        previous = row
    return out


def groups(loaded: Loaded, by: str, min_calls: int = MIN_GROUP_CALLS) -> list[Row]:
    """Per agent, team or queue: calls, hours, escalated / recovered shares and mean moods beside
    the median of the groups (an agent: of the agents of its team); groups under ``min_calls``
    calls are marked ``small`` and get no rank (ranked by recovered share, then fewest
    escalations)."""
    if by not in GROUPS:
        raise ValueError(f"cannot group by {by!r}")
    rows = _rows(
        loaded,
        f"SELECT {by} AS name, any_value(team) AS team, count(*) AS calls, "
        "sum(duration) / 3600 AS hours, count(*) FILTER (WHERE escalated) AS escalated, "
        "count(*) FILTER (WHERE recovered) AS recovered, avg(mood_end) AS mean_mood_end, "
        f"avg(mood_min) AS mean_mood_min FROM calls GROUP BY {by} ORDER BY {by}",
    )
    for r in rows:
        r["small"] = r["calls"] < min_calls
        r["hours"] = rounded(r["hours"])
        r["escalated_share"] = rounded(share(r["escalated"], r["calls"]))
        r["recovered_share"] = rounded(share(r["recovered"], r["escalated"]))
        r["mean_mood_end"] = rounded(r["mean_mood_end"])
        r["mean_mood_min"] = rounded(r["mean_mood_min"])
        if by != "agent":
            r["team"] = None
    _add_medians(rows, by)
    _add_ranks(rows)
    return rows


def _add_medians(rows: list[Row], by: str) -> None:
    for r in rows:
        peers = [p for p in rows if by != "agent" or p["team"] == r["team"]]
        counted = [p for p in peers if not p["small"]] or peers
        for measure in ("escalated_share", "recovered_share", "mean_mood_end"):
            r[f"median_{measure}"] = rounded(median([p[measure] for p in counted]))


def _add_ranks(rows: list[Row]) -> None:
    ranked = sorted(
        (r for r in rows if not r["small"]),
        key=lambda r: (-(r["recovered_share"] or 0.0), r["escalated_share"] or 0.0, r["name"]),
    )
    for r in rows:
        r["rank"] = None
    for place, r in enumerate(ranked, start=1):
        r["rank"] = place


def call_list(loaded: Loaded, limit: int | None = None) -> list[Row]:
    """Calls from the lowest customer mood up (then the longest negative stretch)."""
    sql = (
        "SELECT row_number() OVER (ORDER BY mood_min NULLS LAST, longest_negative DESC, file) "
        "AS number, call, file, agent, team, queue, channel, day, duration, mood_start, "
        "mood_end, mood_min, negative_seconds, longest_negative, escalated, recovered "
        "FROM calls ORDER BY number"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    rows = _rows(loaded, sql)
    for r in rows:
        r["day"] = r["day"].isoformat() if r["day"] is not None else None
        for key in ("duration", "mood_start", "mood_end", "mood_min", "negative_seconds",
                    "longest_negative"):  # fmt: skip
            r[key] = rounded(r[key], 3)
    return rows


TRIGGERS = """
WITH marks AS (
    SELECT file, id, title, time, 'fired' AS action FROM fired
    UNION ALL SELECT file, id, NULL, time, action FROM feedback
), changes AS (
    SELECT k.*,
        (SELECT arg_max(score, time) FROM moods m WHERE m.file = k.file AND m.time <= k.time)
            AS before,
        (SELECT arg_max(score, time) FROM moods m WHERE m.file = k.file AND m.time > k.time
            AND m.time <= k.time + 60) AS after
    FROM marks k
)
SELECT id, any_value(title) AS title,
    count(*) FILTER (WHERE action = 'fired') AS fired,
    count(DISTINCT file) FILTER (WHERE action = 'fired') AS calls,
    avg(after - before) FILTER (WHERE action = 'fired') AS mood_change_next_minute,
    count(*) FILTER (WHERE action = 'used') AS used,
    count(*) FILTER (WHERE action = 'dismissed') AS dismissed,
    avg(after - before) FILTER (WHERE action = 'used') AS change_after_used,
    avg(after - before) FILTER (WHERE action = 'dismissed') AS change_after_dismissed
FROM changes GROUP BY id ORDER BY fired DESC, used + dismissed DESC, id
"""
"""Mood change: the customer's last mood within the minute after the moment minus the mood at
that moment (the last one before it)."""


def triggers(loaded: Loaded) -> list[Row]:
    """Per playbook suggestion: how often it fired and in how many calls, how often it was
    marked used or dismissed (history feedback), and the customer's mean mood change over the
    next minute after it fired, after a used and after a dismissed one."""
    changes = ("mood_change_next_minute", "change_after_used", "change_after_dismissed")
    return [{**r, **{key: rounded(r[key]) for key in changes}} for r in _rows(loaded, TRIGGERS)]


def history_agents(loaded: Loaded, min_calls: int = MIN_GROUP_CALLS) -> list[Row]:
    """Per agent, from ``history stats`` exports (aggregates only): calls, hours, call-weighted
    mean mood, share of time negative, suggestions used and dismissed and the used share."""
    rows = _rows(
        loaded,
        "SELECT agent, sum(calls) AS calls, sum(duration_s) / 3600 AS hours, "
        "sum(avg_mood * calls) / sum(calls) FILTER (WHERE avg_mood IS NOT NULL) AS mean_mood, "
        "sum(negative_s) AS negative_s, sum(duration_s) AS duration_s, "
        "sum(used) AS used, sum(dismissed) AS dismissed FROM history GROUP BY agent "
        "ORDER BY agent",
    )
    return [
        {
            "agent": r["agent"],
            "calls": r["calls"],
            "hours": rounded(r["hours"]),
            "mean_mood": rounded(r["mean_mood"]),
            "negative_time_share": rounded(share(r["negative_s"] or 0, r["duration_s"] or 0)),
            "used": r["used"],
            "dismissed": r["dismissed"],
            "used_share": rounded(share(r["used"] or 0, (r["used"] or 0) + (r["dismissed"] or 0))),
            "small": (r["calls"] or 0) < min_calls,
        }
        for r in rows
    ]


def history_triggers(loaded: Loaded) -> list[Row]:
    """The top triggers of every history export (``name:count;...``), summed over agents."""
    return _rows(
        loaded,
        "SELECT split_part(item, ':', 1) AS id, sum(TRY_CAST(split_part(item, ':', 2) AS BIGINT)) "
        "AS fired, count(DISTINCT agent) AS agents FROM (SELECT agent, "
        "unnest(string_split(top_triggers, ';')) AS item FROM history "
        "WHERE nullif(top_triggers, '') IS NOT NULL) GROUP BY id ORDER BY fired DESC, id",
    )
