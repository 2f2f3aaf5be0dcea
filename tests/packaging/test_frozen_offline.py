"""The frozen app, traced natively: no DNS, no outside connection, no telemetry files.

The PyInstaller runtime hook turns onnxruntime's telemetry off before any import. Both runs
are traced with ``strace -f`` in a loopback-only namespace, with a private HOME and an
environment that asks for telemetry (tests/offline/harness.py), at the same time: the
``--self-test`` (every model, the sample call, the overlay) and ``sentiment`` fed one line at a
time over more than 30 s (the telemetry's first lookup comes ~10 s into a process).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.offline import harness
from tests.offline.harness import Finished

pytestmark = pytest.mark.slow
FEED_S = 35
LINES = (
    "This is the worst service ever, I am furious.",
    "Thank you so much, that fixed it.",
    "Can you check the status of my order?",
    "I have been on hold for forty minutes.",
    "Okay, that sounds fine.",
    "Great, thanks for your help today.",
)


@pytest.fixture(scope="module")
def frozen_runs(frozen_app: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Finished]:
    base = tmp_path_factory.mktemp("frozen-native")
    runs = []
    for name, args, lines in (
        ("self-test", ["--self-test"], None),
        ("sentiment", ["sentiment"], LINES),
    ):
        root = base / name
        runs.append(
            harness.start(
                name,
                [str(frozen_app), *args],
                root,
                stdin_lines=lines,
                line_interval_s=FEED_S / (len(LINES) - 1),
                env=harness.private_env(root, frozen=True),
            )
        )
    return {run.name: run.finish(900) for run in runs}


def assert_stayed_offline(done: Finished) -> None:
    assert done.forbidden == [], done.explain()
    assert done.telemetry_files == [], done.explain()


def test_frozen_self_test_makes_no_outside_attempt(frozen_runs: dict[str, Finished]) -> None:
    done = frozen_runs["self-test"]
    assert done.returncode == 0, done.explain() + done.stdout
    assert "self-test passed" in done.stdout and "[ok  ] model sentiment-minilm" in done.stdout
    assert_stayed_offline(done)


def test_frozen_sentiment_fed_slowly_makes_no_outside_attempt(
    frozen_runs: dict[str, Finished],
) -> None:
    done = frozen_runs["sentiment"]
    assert done.returncode == 0, done.explain()
    scored = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [s["label"] for s in scored][:2] == ["negative", "positive"], done.stdout
    assert len(scored) == len(LINES)
    assert_stayed_offline(done)
