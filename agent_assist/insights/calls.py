"""Derived tables of the analyze events: ``turns``, ``moods``, ``fired`` and ``calls``."""

from __future__ import annotations

import duckdb

TURNS = """
CREATE TABLE turns AS
SELECT file, speaker, start, "end", text, sentiment.label AS label,
       sentiment.scores.negative AS negative, sentiment.scores.neutral AS neutral,
       sentiment.scores.positive AS positive, sentiment.emotion AS emotion
FROM events WHERE type = 'transcript'
"""
MOODS = """
CREATE TABLE moods AS
SELECT file, time, score FROM events WHERE type = 'mood' AND speaker = 'customer'
"""
FIRED = "CREATE TABLE fired AS SELECT file, id, title, time FROM events WHERE type = 'suggestion'"

# Each customer mood holds until the next one (or the end of the call), as in the engine's
# negative_seconds; a stretch is a run of consecutive moods below the threshold.
CALLS = """
CREATE TABLE calls AS
WITH files AS (
    SELECT file, any_value(name) AS stem, any_value(mtime) AS mtime,
           max(greatest(coalesce("end", 0), coalesce(time, 0))) AS last_time
    FROM events GROUP BY file
), summaries AS (
    SELECT file, arg_max(call, rowid) AS call, arg_max(duration, rowid) AS duration,
           arg_max(mood_start, rowid) AS mood_start, arg_max(mood_end, rowid) AS mood_end,
           arg_max(mood_min, rowid) AS mood_min
    FROM events WHERE type = 'summary' GROUP BY file
), held AS (
    SELECT m.file, m.time, m.score, m.score < $negative_below AS negative,
           coalesce(lead(m.time) OVER w, greatest(coalesce(s.duration, f.last_time), m.time))
               - m.time AS hold,
           row_number() OVER w
               - row_number() OVER (PARTITION BY m.file, m.score < $negative_below ORDER BY m.time)
               AS island
    FROM moods m JOIN files f USING (file) LEFT JOIN summaries s USING (file)
    WINDOW w AS (PARTITION BY m.file ORDER BY m.time)
), stretches AS (
    SELECT file, island, sum(hold) AS seconds FROM held WHERE negative GROUP BY file, island
), mood_stats AS (
    SELECT file, arg_min(score, time) AS first_mood, arg_max(score, time) AS last_mood,
           min(score) AS lowest, count(*) AS updates,
           sum(CASE WHEN negative THEN hold ELSE 0 END) AS negative_seconds
    FROM held GROUP BY file
), longest AS (
    SELECT file, max(seconds) AS longest_negative FROM stretches GROUP BY file
), turn_stats AS (
    SELECT file, count(*) AS utterances,
           count(*) FILTER (WHERE speaker = 'customer' AND label = 'negative') AS cust_negative,
           count(*) FILTER (WHERE speaker = 'customer') AS cust_turns
    FROM turns GROUP BY file
), meta AS (
    SELECT call, any_value(COLUMNS(* EXCLUDE call)) FROM metadata GROUP BY call
), named AS (
    SELECT f.file, f.stem, coalesce(s.call, f.stem) AS call,
           s.file IS NOT NULL AS has_summary, f.mtime,
           coalesce(s.duration, f.last_time, 0) AS duration,
           coalesce(s.mood_start, ms.first_mood) AS mood_start,
           coalesce(s.mood_end, ms.last_mood) AS mood_end,
           coalesce(s.mood_min, ms.lowest) AS mood_min,
           coalesce(ms.negative_seconds, 0) AS negative_seconds,
           coalesce(l.longest_negative, 0) AS longest_negative,
           coalesce(t.utterances, 0) AS utterances,
           coalesce(t.cust_turns, 0) AS customer_turns,
           coalesce(t.cust_negative, 0) AS customer_negative
    FROM files f LEFT JOIN summaries s USING (file) LEFT JOIN mood_stats ms USING (file)
    LEFT JOIN longest l USING (file) LEFT JOIN turn_stats t USING (file)
)
SELECT n.* EXCLUDE (stem), coalesce(ms.agent, mc.agent, '(unknown)') AS agent,
       coalesce(ms.team, mc.team, '(unknown)') AS team,
       coalesce(ms.queue, mc.queue, '(unknown)') AS queue,
       coalesce(ms.channel, mc.channel, 'voice') AS channel,
       coalesce(TRY_CAST(coalesce(ms.date, mc.date) AS DATE), n.mtime::DATE) AS day,
       TRY_CAST(coalesce(ms.date, mc.date) AS DATE) IS NOT NULL AS dated,
       n.mood_min < $negative_below AS escalated,
       n.mood_min < $negative_below AND n.mood_end >= $negative_below AS recovered
FROM named n
LEFT JOIN meta ms ON ms.call = n.stem
LEFT JOIN meta mc ON mc.call = n.call AND ms.call IS NULL
ORDER BY n.file
"""


def build_call_tables(con: duckdb.DuckDBPyConnection, negative_below: float) -> None:
    con.execute(TURNS)
    con.execute(MOODS)
    con.execute(FIRED)
    con.execute(CALLS, {"negative_below": negative_below})
