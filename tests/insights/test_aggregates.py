"""Every aggregate of the report against figures worked out by hand on the fixture archive
(tests/insights/conftest.py; threshold -0.25).

call-a (ann, t1, Mon 2026-01-05, 100 s): moods -0.1@10 -0.5@20 -0.6@40 -0.1@60 -0.3@80: escalated,
  not recovered; negative 20+20 (from 20 to 60) + 20 (80 to the end) = 60 s, longest 40 s.
call-b (ann, t1, Tue 2026-01-06, 50 s): -0.4@5 +0.2@25: escalated and recovered; 20 s negative.
call-c (bob, t2, Tue 2026-01-13, 30 s): +0.3@5 +0.5@20: never negative.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_assist.insights import aggregates
from agent_assist.insights.load import Loaded, load
from agent_assist.insights.stats import median, wilson
from tests.insights.conftest import NEGATIVE_BELOW, archive_paths, mood, summary, write_call


@pytest.fixture
def loaded(archive: Path) -> Loaded:
    return load(archive_paths(archive), NEGATIVE_BELOW)


def test_overview(loaded: Loaded) -> None:
    o = aggregates.overview(loaded)
    assert o["calls"] == 3
    assert o["hours"] == pytest.approx(180 / 3600, abs=1e-4)
    assert (o["escalated"], o["escalated_share"]) == (2, pytest.approx(2 / 3, abs=1e-4))
    assert (o["recovered"], o["recovered_share"]) == (1, 0.5)
    assert o["mean_mood_start"] == pytest.approx((-0.1 - 0.4 + 0.3) / 3, abs=1e-4)
    assert o["mean_mood_end"] == pytest.approx((-0.3 + 0.2 + 0.5) / 3, abs=1e-4)
    assert o["mean_mood_min"] == pytest.approx((-0.6 - 0.4 + 0.3) / 3, abs=1e-4)
    # four messages, one without a label is dropped; 2 of the other 3 are negative
    assert (o["messages"], o["messages_negative_share"]) == (3, pytest.approx(2 / 3, abs=1e-4))


def test_mood_distributions(loaded: Loaded) -> None:
    rows = aggregates.mood_distributions(loaded)
    assert [r["bin_from"] for r in rows] == [-1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75]
    # start -0.1, -0.4, +0.3 -> bins 3, 2, 5; end -0.3, +0.2, +0.5 -> 2, 4, 6;
    # lowest -0.6, -0.4, +0.3 -> 1, 2, 5
    assert [r["start"] for r in rows] == [0, 0, 1, 1, 0, 1, 0, 0]
    assert [r["end"] for r in rows] == [0, 0, 1, 0, 1, 0, 1, 0]
    assert [r["lowest"] for r in rows] == [0, 1, 1, 0, 0, 1, 0, 0]


def test_sentiment_and_emotion_mix(loaded: Loaded) -> None:
    mix = {(r["channel"], r["kind"], r["value"]): r["n"] for r in aggregates.sentiment_mix(loaded)}
    # customer turns only (the agent's greeting is left out)
    assert mix[("voice", "sentiment", "negative")] == 3
    assert mix[("voice", "sentiment", "neutral")] == 2
    assert mix[("voice", "sentiment", "positive")] == 2
    assert mix[("voice", "emotion", "anger")] == 2
    assert mix[("voice", "emotion", "joy")] == 2
    assert mix[("chat", "sentiment", "negative")] == 1
    assert mix[("email", "sentiment", "negative")] == 1


def test_channels(loaded: Loaded) -> None:
    rows = {r["channel"]: r for r in aggregates.channels(loaded)}
    voice = rows["voice"]
    assert (voice["kind"], voice["n"]) == ("calls", 3)
    assert voice["negative_share"] == pytest.approx(3 / 7, abs=1e-4)
    assert voice["escalated_share"] == pytest.approx(2 / 3, abs=1e-4)
    assert voice["recovered_share"] == 0.5
    chat = rows["chat"]
    assert (chat["kind"], chat["n"], chat["negative_share"]) == ("messages", 2, 0.5)
    assert chat["escalated_share"] is None


def test_wilson_matches_the_published_values() -> None:
    low, high = wilson(2, 2)
    assert (round(low, 4), high) == (0.3424, 1.0)
    low, high = wilson(0, 1)
    assert (low, round(high, 4)) == (0.0, 0.7935)
    low, high = wilson(5, 10)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)


def test_trends_by_week(loaded: Loaded) -> None:
    calls = [r for r in aggregates.trends(loaded, "week") if r["kind"] == "calls"]
    assert [(r["period"], r["n"], r["share"]) for r in calls] == [
        ("2026-01-05", 2, 1.0),
        ("2026-01-12", 1, 0.0),
    ]
    assert (calls[0]["low"], calls[0]["high"]) == (pytest.approx(0.3424, abs=1e-4), 1.0)
    assert calls[1]["high"] == pytest.approx(0.7935, abs=1e-4)
    assert not any(r["changed"] for r in calls)  # the bands overlap
    messages = [r for r in aggregates.trends(loaded, "day") if r["kind"] == "messages"]
    assert [(r["period"], r["n"], r["share"]) for r in messages] == [
        ("2026-01-05", 1, 1.0),
        ("2026-01-06", 1, 0.0),
        ("2026-01-13", 1, 1.0),
    ]


def test_a_sudden_change_is_flagged(tmp_path: Path) -> None:
    rows = ["call,date"]
    for i in range(30):
        write_call(tmp_path, f"bad{i}", [mood(1, -0.8), summary(f"bad{i}", 10, [-0.8])])
        write_call(tmp_path, f"good{i}", [mood(1, 0.5), summary(f"good{i}", 10, [0.5])])
        rows += [f"bad{i},2026-02-02", f"good{i},2026-02-09"]
    (tmp_path / "meta.csv").write_text("\n".join(rows) + "\n")
    trend = aggregates.trends(load([tmp_path, tmp_path / "meta.csv"], NEGATIVE_BELOW), "week")
    assert [(r["period"], r["share"], r["changed"]) for r in trend] == [
        ("2026-02-02", 1.0, False),
        ("2026-02-09", 0.0, True),
    ]


def test_groups_beside_the_median_small_ones_unranked(loaded: Loaded) -> None:
    agents = {r["name"]: r for r in aggregates.groups(loaded, "agent", min_calls=2)}
    ann, bob = agents["ann"], agents["bob"]
    assert (ann["calls"], ann["escalated_share"], ann["recovered_share"]) == (2, 1.0, 0.5)
    assert ann["mean_mood_end"] == pytest.approx(-0.05, abs=1e-4)
    assert (ann["small"], ann["rank"], ann["median_escalated_share"]) == (False, 1, 1.0)
    assert (bob["calls"], bob["escalated_share"], bob["recovered_share"]) == (1, 0.0, None)
    assert (bob["small"], bob["rank"]) == (True, None)
    teams = {r["name"]: r for r in aggregates.groups(loaded, "team", min_calls=2)}
    # the median is over the teams with enough calls: t1 alone
    assert teams["t2"]["median_escalated_share"] == 1.0
    assert teams["t2"]["median_mean_mood_end"] == pytest.approx(-0.05, abs=1e-4)
    queues = {r["name"]: r for r in aggregates.groups(loaded, "queue", min_calls=1)}
    assert queues["billing"]["median_escalated_share"] == 0.5  # median of 1.0 and 0.0
    assert [queues["billing"]["rank"], queues["sales"]["rank"]] == [1, 2]
    assert median([3.0, 1.0, 2.0]) == 2.0


def test_call_list_lowest_mood_first_with_negative_stretches(loaded: Loaded) -> None:
    rows = aggregates.call_list(loaded)
    assert [(r["number"], r["call"]) for r in rows] == [(1, "call-a"), (2, "call-b"), (3, "call-c")]
    a, b, c = rows
    assert (a["negative_seconds"], a["longest_negative"]) == (60.0, 40.0)
    assert (a["escalated"], a["recovered"]) == (True, False)
    assert (b["negative_seconds"], b["longest_negative"], b["recovered"]) == (20.0, 20.0, True)
    assert (c["negative_seconds"], c["longest_negative"], c["escalated"]) == (0.0, 0.0, False)
    assert (a["agent"], a["team"], a["queue"], a["day"]) == ("ann", "t1", "billing", "2026-01-05")


def test_triggers_count_and_mood_change_next_minute(loaded: Loaded) -> None:
    rows = {r["id"]: r for r in aggregates.triggers(loaded)}
    ack = rows["acknowledge-upset"]
    # call-a: -0.5 (at 20) -> -0.3 (last within 21..81 s) = +0.2; call-b: -0.4 -> +0.2 = +0.6
    assert (ack["fired"], ack["calls"]) == (2, 2)
    assert ack["mood_change_next_minute"] == pytest.approx(0.4, abs=1e-4)
    assert (rows["slow-down"]["fired"], rows["slow-down"]["mood_change_next_minute"]) == (1, None)
    assert list(rows) == ["acknowledge-upset", "slow-down"]
