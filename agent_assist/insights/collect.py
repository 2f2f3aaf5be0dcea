"""Every table of the report, computed once, for the HTML page and the CSV / JSON export."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent_assist.insights import aggregates
from agent_assist.insights.drivers import drivers
from agent_assist.insights.load import Loaded

Row = dict[str, Any]


@dataclass
class Insights:
    negative_below: float
    period: str
    overview: Row
    tables: dict[str, list[Row]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def collect(loaded: Loaded, period: str = "week", min_group_calls: int = 20) -> Insights:
    insights = Insights(
        loaded.negative_below, period, aggregates.overview(loaded), problems=loaded.problems
    )
    tables = insights.tables
    tables["mood_distribution"] = aggregates.mood_distributions(loaded)
    tables["channels"] = aggregates.channels(loaded)
    tables["sentiment_mix"] = aggregates.sentiment_mix(loaded)
    tables["trends"] = aggregates.trends(loaded, period)
    for by in aggregates.GROUPS:
        tables[f"by_{by}"] = aggregates.groups(loaded, by, min_group_calls)
    tables["drivers_calls"] = drivers(loaded, "calls")
    tables["drivers_texts"] = drivers(loaded, "texts")
    tables["triggers"] = aggregates.triggers(loaded)
    tables["calls"] = aggregates.call_list(loaded)
    tables["history_agents"] = aggregates.history_agents(loaded, min_group_calls)
    tables["history_triggers"] = aggregates.history_triggers(loaded)
    return insights
