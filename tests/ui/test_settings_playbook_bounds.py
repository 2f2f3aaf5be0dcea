"""The settings dialog refuses a playbook whose phrases are over the matching bounds."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from agent_assist.config import Config
from agent_assist.ui.devices import DeviceListing
from agent_assist.ui.settings import SettingsDialog
from tests.test_doctor import SLOW_PHRASE, SLOW_PLAYBOOK


def test_a_playbook_with_too_many_gaps_is_refused_with_the_phrase_named(
    qtbot: QtBot, tmp_path: Path
) -> None:
    saved: list[Config] = []
    dialog = SettingsDialog(
        Config(), devices=lambda: DeviceListing(problem="none"), save=saved.append
    )
    qtbot.addWidget(dialog)
    dialog.show()
    slow = tmp_path / "slow.toml"
    slow.write_text(SLOW_PLAYBOOK)
    dialog.playbook.setText(str(slow))
    assert not dialog.check_playbook()
    problem = (
        f"{slow}: rule 'many-gaps': trigger.phrases: '{SLOW_PHRASE}' has 14 gaps ('*'); "
        "at most 6 are allowed"
    )
    assert dialog.playbook_status.text() == f"✗ {problem}"
    dialog.accept()
    assert saved == []
    assert dialog.error.text() == f"guidance.playbook: {problem}"
    assert dialog.playbook_status.isVisible() and dialog.error.isVisible()
