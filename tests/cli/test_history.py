"""``history`` runs on the config ``main`` loaded: ``--config FILE`` sets its retention and the
redaction of its exports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent_assist import cli, logs
from agent_assist.config import Config
from agent_assist.events import CallSummary, TranscriptFinal
from agent_assist.redact import Redactor
from agent_assist.store.history import History

ORDER = "ORD-12345678"


@pytest.fixture
def home(isolated_dirs: Path) -> Iterator[Path]:
    """The test's own user folders; ``main`` sets up logging into them (set back afterwards)."""
    yield isolated_dirs
    logs.setup("WARNING", to_file=False)


def stored_call(db: Path, days_ago: int) -> int:
    """A call saved ``days_ago`` days ago, by a history that keeps order numbers."""
    keep = Config.model_validate({"privacy": {"redact_keep": ["ORD-[0-9]+"]}})
    events = [
        TranscriptFinal("customer", 0.0, 2.0, f"my order is {ORDER}", 0.9),
        CallSummary("call", 2.0, {}, None, None, None, 0.0, {}, utterances=1),
    ]
    started = datetime.now(UTC) - timedelta(days=days_ago)
    with History.open(db, redactor=Redactor.from_config(keep), retention_days=3650) as history:
        call_id = history.save_call("call", started, events)
    assert call_id is not None
    return call_id


def test_history_list_honours_the_retention_of_the_config_file_given(home, capsys) -> None:
    db = home / "history.sqlite3"
    stored_call(db, days_ago=3)
    short = home / "short.toml"
    short.write_text("[privacy]\nretention_days = 1\n")
    assert cli.main(["history", "--db", str(db), "list"]) == 0
    assert "call" in capsys.readouterr().out  # the default keeps 30 days
    assert cli.main(["--config", str(short), "history", "--db", str(db), "list"]) == 0
    assert capsys.readouterr().out.strip() == "no stored calls"


def test_history_export_redacts_with_the_config_file_given(home, capsys) -> None:
    db = home / "history.sqlite3"
    call_id = stored_call(db, days_ago=0)
    keep = home / "keep.toml"
    keep.write_text('[privacy]\nredact_keep = ["ORD-[0-9]+"]\n')
    export = ["history", "--db", str(db), "export", str(call_id), "--format", "json"]
    assert cli.main(export) == 0
    assert ORDER not in capsys.readouterr().out  # the default redacts the order number
    assert cli.main(["--config", str(keep), *export]) == 0
    assert ORDER in json.dumps(json.loads(capsys.readouterr().out))
