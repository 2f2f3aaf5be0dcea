"""Drivers: the words and phrases that mark negative customer turns (or negative messages).

Weighted log-odds ratios with an informative Dirichlet prior (Monroe, Colaresi and Quinn 2008,
"Fightin' Words", section 3.5.1), comparing the negative items with all items; the prior is the
term's count over all items (as in tidylo), so a word needs both a strong lean and enough
evidence to rank:

    delta_w = log((y_nw + a_w) / (n_n + a_0 - y_nw - a_w))
              - log((y_w + a_w) / (n + a_0 - y_w - a_w))
    var_w  ~= 1 / (y_nw + a_w) + 1 / (y_w + a_w),   z_w = delta_w / sqrt(var_w)

Terms are lower-cased unigrams and bigrams with stop words and one-letter words left out (a
bigram is kept when neither of its adjacent words is one), after dropping e-mail addresses,
@handles, links and redaction placeholders. Counting runs in DuckDB.
"""

from __future__ import annotations

import re
from typing import Any

from agent_assist.insights.load import Loaded

Row = dict[str, Any]
MIN_COUNT = 5
SNIPPET_CHARS = 60
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further had hadn't has hasn't have haven't
    having he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll
    i'm i've if in into is isn't it it's its itself let's me more most mustn't my myself nor of
    off on once only or other ought our ours ourselves out over own same shan't she she'd she'll
    she's should shouldn't so some such than that that's the their theirs them themselves then
    there there's these they they'd they'll they're they've this those through to too under until
    up very was wasn't we we'd we'll we're we've were weren't what what's when when's where
    where's which while who who's whom why why's with won't would wouldn't you you'd you'll
    you're you've your yours yourself yourselves im u ur just get got will also like one us
    amp rt oh yes yeah ok okay well hi hello thanks thank please no not""".split()  # noqa: SIM905
)
CLEAN = r"\S+@\S+|@\w+|https?://\S+|\[[A-Z_]+\]|&amp;|&lt;|&gt;"
"""Dropped before counting: e-mail addresses (whole, in case the text kept them), @handles,
links, redaction placeholders and HTML entities; digits never make a term."""


def _items_sql(source: str) -> str:
    if source == "calls":
        return (
            "SELECT t.file AS ref, t.text, t.label = 'negative' AS negative FROM turns t "
            "WHERE t.speaker = 'customer' AND t.label IS NOT NULL AND t.text IS NOT NULL"
        )
    return (
        "SELECT source || ':' || row_number() OVER () AS ref, text, label = 'negative' AS negative "
        "FROM texts WHERE text IS NOT NULL"
    )


def drivers(
    loaded: Loaded,
    source: str = "calls",
    top: int = 20,
    min_count: int = MIN_COUNT,
    examples: int = 3,
) -> list[Row]:
    """The ``top`` terms by z-score of negative items (``source``: "calls" = customer turns,
    "texts" = messages of text channels) against all items, each with example snippets."""
    con = loaded.con
    rows = con.execute(_DRIVER_SQL.format(items=_items_sql(source), clean=CLEAN), {
        "min_count": min_count, "top": top, "stop": sorted(STOP_WORDS),
    }).fetchall()  # fmt: skip
    names = ["term", "negative_count", "count", "log_odds", "z"]
    out = [dict(zip(names, r, strict=True)) for r in rows]
    for row in out:
        row["log_odds"] = round(row["log_odds"], 4)
        row["z"] = round(row["z"], 3)
        row["examples"] = _examples(loaded, source, row["term"], examples)
    return out


_DRIVER_SQL = r"""
WITH items AS ({items}),
tokens AS (
    SELECT ref, negative,
        regexp_extract_all(lower(regexp_replace(text, '{clean}', ' ', 'g')), '[a-z][a-z'']*')
        AS words
    FROM items
),
terms AS (
    SELECT negative, unnest(list_filter(
        words, lambda w: length(w) > 1 AND NOT list_contains($stop, w)
    )) AS term
    FROM tokens
    UNION ALL
    SELECT negative, unnest(list_transform(
        list_filter(range(1, len(words)),
            lambda i: length(words[i]) > 1 AND length(words[i + 1]) > 1
            AND NOT list_contains($stop, words[i]) AND NOT list_contains($stop, words[i + 1])),
        lambda i: words[i] || ' ' || words[i + 1])) AS term
    FROM tokens
),
counts AS (
    SELECT term, count(*) FILTER (WHERE negative) AS y_neg, count(*) AS y_all
    FROM terms GROUP BY term
),
totals AS (SELECT sum(y_neg) AS n_neg, sum(y_all) AS n_all FROM counts),
scored AS (
    SELECT term, y_neg, y_all,
        ln((y_neg + y_all) / (n_neg + n_all - y_neg - y_all))
        - ln((2 * y_all) / (2 * n_all - 2 * y_all)) AS delta,
        1.0 / (y_neg + y_all) + 1.0 / (2 * y_all) AS variance
    FROM counts, totals WHERE y_all >= $min_count AND y_all < n_all
)
SELECT term, y_neg, y_all, delta, delta / sqrt(variance) AS z FROM scored
ORDER BY z DESC, term LIMIT $top
"""


def _examples(loaded: Loaded, source: str, term: str, limit: int) -> list[Row]:
    """Up to ``limit`` different negative items that contain ``term`` (the shortest first): the
    call (or message) and a snippet around the term."""
    pattern = r"\b" + r"\W+".join(_escape(word) for word in term.split()) + r"\b"
    rows = loaded.con.execute(
        f"SELECT min(ref), text FROM ({_items_sql(source)}) WHERE negative "
        "AND regexp_matches(lower(text), $pattern) GROUP BY text "
        "ORDER BY length(text), min(ref) LIMIT $limit",
        {"pattern": pattern, "limit": limit},
    ).fetchall()
    return [{"ref": ref, "snippet": snippet(text, pattern)} for ref, text in rows]


def _escape(word: str) -> str:
    return re.escape(word)


def snippet(text: str, pattern: str, width: int = SNIPPET_CHARS) -> str:
    """The words around the first match of ``pattern`` (about ``width`` characters each side)."""
    match = re.search(pattern, text.lower())
    start, end = (match.start(), match.end()) if match else (0, 0)
    left = max(0, start - width)
    right = min(len(text), end + width)
    return ("…" if left else "") + text[left:right].strip() + ("…" if right < len(text) else "")
