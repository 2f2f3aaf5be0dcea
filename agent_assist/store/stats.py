"""Per-day or per-week aggregates of stored calls (no transcript text)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Period = Literal["day", "week"]


@dataclass(frozen=True)
class StatsRow:
    """Aggregates of one day (``2026-11-27``) or ISO week (``2026-W48``); no transcript text."""

    period: str
    calls: int
    duration_s: float
    avg_mood: float | None
    negative_s: float
    top_triggers: tuple[tuple[str, int], ...]
    used: int
    dismissed: int


def period_key(utc_text: str, period: Period) -> str:
    local = datetime.fromisoformat(utc_text).astimezone()
    if period == "day":
        return local.date().isoformat()
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


class Bucket:
    def __init__(self) -> None:
        self.calls = 0
        self.duration = 0.0
        self.moods: list[float] = []
        self.negative = 0.0
        self.triggers: Counter[str] = Counter()
        self.feedback: Counter[str] = Counter()

    def add_call(
        self, duration: float, mood: float | None, negative: float, triggers: list[str]
    ) -> None:
        self.calls += 1
        self.duration += duration
        self.negative += negative
        if mood is not None:
            self.moods.append(mood)
        self.triggers.update(triggers)

    def row(self, period: str) -> StatsRow:
        top = sorted(self.triggers.items(), key=lambda item: (-item[1], item[0]))[:3]
        return StatsRow(
            period=period,
            calls=self.calls,
            duration_s=round(self.duration, 1),
            avg_mood=round(sum(self.moods) / len(self.moods), 3) if self.moods else None,
            negative_s=round(self.negative, 1),
            top_triggers=tuple(top),
            used=self.feedback["used"],
            dismissed=self.feedback["dismissed"],
        )
