"""Every table of the report, computed once, for the HTML page and the CSV / JSON export."""

from __future__ import annotations

from collections.abc import Callable
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


def collect(
    loaded: Loaded,
    period: str = "week",
    min_group_calls: int = 20,
    clean: Callable[[str], str] | None = None,
) -> Insights:
    """All tables; ``clean`` (the redactor) is applied to every text taken from the calls (call
    names, example snippets), so the CSV / JSON export holds redaction as the page does."""
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
    if clean is not None:
        _redact(tables, clean)
    return insights


def _redact(tables: dict[str, list[Row]], clean: Callable[[str], str]) -> None:
    for row in tables["calls"]:
        row["call"] = clean(str(row["call"]))
    for key in ("drivers_calls", "drivers_texts"):
        for row in tables[key]:
            for example in row["examples"]:
                example["snippet"] = clean(example["snippet"])
