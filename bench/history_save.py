"""Median time to save / reload / export a 10-minute call (150 utterances) in the history."""

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, "tests/store")
from store_calls import final

from agent_assist.events import MoodUpdate, Suggestion
from agent_assist.store.export import export_call
from agent_assist.store.history import History

events = []
for i in range(150):
    who = "customer" if i % 2 == 0 else "agent"
    events.append(
        final(
            who,
            i * 4.0,
            "well I have been waiting on the line for about forty minutes "
            "and my card 4111 1111 1111 1111 was charged twice",
            "negative",
        )
    )
    events.append(
        MoodUpdate(speaker=who, time=i * 4.0 + 3, score=-0.3, trend="steady", uncertain=False)
    )
    if i % 15 == 0:
        events.append(Suggestion(id=f"s{i}", title="t", prompt="p", priority=1, time=i * 4.0))
with tempfile.TemporaryDirectory() as d:
    h = History.open(Path(d) / "h.sqlite3", retention_days=3650)
    save, load, html = [], [], []
    for k in range(15):
        t0 = time.perf_counter()
        cid = h.save_call("c", datetime.now(UTC) - timedelta(minutes=k), events)
        save.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        h.events(cid)
        load.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        export_call(h, cid, "html")
        html.append(time.perf_counter() - t0)
    size = (Path(d) / "h.sqlite3").stat().st_size
    h.close()
    size = (Path(d) / "h.sqlite3").stat().st_size
print(
    f"{len(events)} events/call: save median {statistics.median(save) * 1e3:.0f} ms, "
    f"reload {statistics.median(load) * 1e3:.0f} ms, "
    f"html export {statistics.median(html) * 1e3:.0f} ms, db {size / 15 / 1024:.0f} KiB/call"
)
