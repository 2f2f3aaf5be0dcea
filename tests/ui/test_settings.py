"""The settings dialog: devices, validation through the typed config, playbook check, locks."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from agent_assist import config as config_io
from agent_assist import paths
from agent_assist.config import Config
from agent_assist.ui.devices import DeviceListing, query_devices
from agent_assist.ui.settings import LOCK_HINT, SettingsDialog, field_bounds


def make(qtbot: QtBot, config: Config | None = None, **kwargs: object) -> SettingsDialog:
    kwargs.setdefault("devices", lambda: DeviceListing(problem="no audio input devices found"))
    dialog = SettingsDialog(config or Config(), **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def combo(dialog: SettingsDialog, key: str) -> QComboBox:
    widget = dialog.bindings[key].widget
    assert isinstance(widget, QComboBox)
    return widget


def test_devices_listed_with_host_api(qtbot: QtBot, two_devices: object) -> None:
    dialog = make(
        qtbot,
        Config.model_validate({"audio": {"agent_device": "USB Headset"}}),
        devices=two_devices,
    )
    customer = combo(dialog, "audio.customer_device")
    labels = [customer.itemText(i) for i in range(customer.count())]
    assert labels == [
        "System default",
        "Headset Mic — ALSA (1 ch)",
        "Monitor of Speakers — PulseAudio (2 ch)",
    ]
    agent = combo(dialog, "audio.agent_device")
    assert agent.currentText() == "USB Headset (not found now)"
    customer.setCurrentIndex(2)
    assert dialog.values()["audio.customer_device"] == "Monitor of Speakers"
    assert not dialog.device_problem.isVisible()


def test_no_portaudio_is_shown_not_raised(qtbot: QtBot) -> None:
    def missing() -> object:
        raise OSError("PortAudio library not found")

    listing = query_devices(missing)
    assert listing.problem == "PortAudio missing: PortAudio library not found"
    dialog = make(qtbot, devices=lambda: listing)
    assert dialog.device_problem.isVisible()
    assert "PortAudio missing" in dialog.device_problem.text()
    assert combo(dialog, "audio.customer_device").count() == 1


def test_real_sounddevice_listing_never_raises() -> None:
    listing = query_devices()
    assert isinstance(listing, DeviceListing)
    assert listing.problem or listing.inputs


def test_save_writes_validated_config(qtbot: QtBot, isolated_dirs: Path) -> None:
    target = isolated_dirs / "config.toml"
    dialog = make(qtbot, save=lambda c: config_io.save(c, target))
    combo(dialog, "asr.device").setCurrentIndex(1)
    combo(dialog, "ui.theme").setCurrentIndex(2)
    scale = dialog.bindings["ui.scale"].widget
    assert isinstance(scale, QSpinBox)
    scale.setValue(150)
    history = dialog.bindings["privacy.history"].widget
    assert isinstance(history, QCheckBox)
    history.setChecked(True)
    with qtbot.waitSignal(dialog.saved) as blocker:
        dialog.accept()
    saved = config_io.load(target)
    assert saved == blocker.args[0]
    assert (saved.asr.device, saved.ui.theme, saved.ui.scale, saved.privacy.history) == (
        "cpu",
        "high-contrast",
        1.5,
        True,
    )
    assert not dialog.isVisible()


def test_spin_ranges_come_from_the_schema() -> None:
    assert field_bounds("privacy.retention_days") == (1.0, 3650.0)
    assert field_bounds("ui.opacity") == (0.3, 1.0)
    low, high = field_bounds("mood.smoothing")
    assert low is not None and 0 < low < 0.05 and high == 1.0


def test_invalid_value_is_refused_with_the_message(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved: list[Config] = []
    dialog = make(qtbot, save=saved.append)
    values = dialog.values()
    monkeypatch.setattr(dialog, "values", lambda: {**values, "privacy.retention_days": 0})
    dialog.accept()
    assert dialog.isVisible() and saved == []
    assert dialog.error.text().startswith("settings: privacy.retention_days:")
    assert "greater than or equal to 1" in dialog.error.text()


def test_custom_model_needs_an_existing_folder(qtbot: QtBot, tmp_path: Path) -> None:
    saved: list[Config] = []
    dialog = make(qtbot, save=saved.append)
    model_path = dialog.bindings["asr.model_path"].widget.findChild(QLineEdit)
    assert model_path is not None and not model_path.isEnabled()
    combo(dialog, "asr.profile").setCurrentIndex(2)
    assert model_path.isEnabled()
    model_path.setText(str(tmp_path / "missing"))
    dialog.accept()
    assert "custom model folder not found" in dialog.error.text() and saved == []
    model_path.setText(str(tmp_path))
    dialog.accept()
    assert saved and saved[0].asr.model_path == str(tmp_path)


def test_playbook_checked_with_the_real_loader(qtbot: QtBot, tmp_path: Path) -> None:
    saved: list[Config] = []
    dialog = make(qtbot, save=saved.append)
    assert dialog.playbook_status.text().startswith(f"✓ {paths.default_playbook().name}: valid:")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nid = "x"\ntitle = "t"\n')
    dialog.playbook.setText(str(bad))
    assert not dialog.check_playbook()
    assert dialog.playbook_status.text().startswith(f"✗ {bad}")
    dialog.accept()
    assert saved == [] and dialog.error.text().startswith("guidance.playbook:")
    assert dialog.tabs.currentIndex() == 2
    dialog.playbook.setText(str(paths.default_playbook()))
    dialog.accept()
    assert saved and saved[0].guidance.playbook == str(paths.default_playbook())


def test_locked_keys_disabled_and_kept(qtbot: QtBot, isolated_dirs: Path) -> None:
    system = isolated_dirs / "system.toml"
    system.write_text(
        '[privacy]\nhistory = false\n[locked]\nkeys = ["privacy.history", "guidance"]\n'
    )
    user = isolated_dirs / "user.toml"
    user.write_text("")  # an explicit config file must exist
    loaded = config_io.load_layered(user, system)
    saved: list[Config] = []
    dialog = make(qtbot, loaded.config, locked=loaded.locked, save=saved.append)
    history = dialog.bindings["privacy.history"]
    assert not history.widget.isEnabled() and history.widget.toolTip() == LOCK_HINT
    assert history.widget.text().endswith("(locked)"), "text, not an emoji a font may lack"
    assert "🔒" not in history.widget.text() + history.label.text()
    playbook = dialog.bindings["guidance.playbook"]
    assert playbook.label.text() == "Pla&ybook file (locked):"
    shown = dialog.bindings["guidance.max_visible"].label.text()
    assert shown == "Suggestions sho&wn at once (1–10, locked):"
    assert history.widget.accessibleName().endswith("(locked)")
    assert not dialog.bindings["guidance.playbook"].widget.isEnabled()
    assert dialog.bindings["privacy.retention_days"].widget.isEnabled()
    assert isinstance(history.widget, QCheckBox)
    history.widget.setChecked(True)  # even if forced, a locked key is not taken
    dialog.accept()
    assert saved and saved[0].privacy.history is False
    assert "privacy.history" not in dialog.values()


def test_every_control_is_keyboard_reachable_and_named(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    for key, binding in dialog.bindings.items():
        widgets = [binding.widget, *binding.widget.findChildren(QWidget)]
        for widget in widgets:
            inner = isinstance(widget.parent(), QAbstractSpinBox | QComboBox)
            if (
                isinstance(widget, QComboBox | QLineEdit | QAbstractSpinBox | QCheckBox)
                and not inner
            ):
                assert widget.accessibleName(), key
                assert widget.focusPolicy() != widget.focusPolicy().NoFocus, key
        if not isinstance(binding.widget, QCheckBox):
            assert binding.label.buddy() is not None, key


def mnemonic(text: str) -> str | None:
    at = text.replace("&&", "").find("&")
    return text.replace("&&", "")[at + 1].lower() if at >= 0 else None


def test_no_two_mnemonics_clash_on_a_page(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    common = [mnemonic(dialog.tabs.tabText(i)) for i in range(dialog.tabs.count())]
    common += [mnemonic(b.text()) for b in dialog.buttons.buttons()]
    for i in range(dialog.tabs.count()):
        page = dialog.tabs.widget(i)
        texts = [w.text() for w in page.findChildren(QLabel) if w.buddy() is not None]
        texts += [w.text() for w in page.findChildren(QCheckBox)]
        letters = [m for m in [*common, *map(mnemonic, texts)] if m]
        clashes = {m for m in letters if letters.count(m) > 1}
        assert not clashes, f"{dialog.tabs.tabText(i)}: Alt+{clashes} used twice"


def test_number_fields_show_their_range(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    assert dialog.bindings["ui.scale"].label.text() == "Si&ze (50–300 %):"
    assert dialog.bindings["privacy.retention_days"].label.text().endswith("(1–3650 days):")


def test_a_bad_keyboard_shortcut_is_refused_with_its_name(qtbot: QtBot) -> None:
    saved: list[Config] = []
    dialog = make(qtbot, save=saved.append)
    dialog.bindings["ui.keyboard_shortcut"].set("K")
    dialog.accept()
    assert not saved and dialog.error.text().startswith("ui.keyboard_shortcut: needs Ctrl")
    dialog.bindings["ui.keyboard_shortcut"].set("Ctrl+Alt+J")
    dialog.accept()
    assert saved and saved[0].ui.keyboard_shortcut == "Ctrl+Alt+J"


def test_saving_settings_keeps_the_users_values_for_locked_keys(
    qtbot: QtBot, isolated_dirs: Path
) -> None:
    user = paths.user_config_file()
    user.parent.mkdir(parents=True)
    user.write_text("[ui]\ntheme = 'light'\n[privacy]\nhistory = true\nretention_days = 7\n")
    system = isolated_dirs / "system.toml"
    system.write_text("[locked]\nkeys = ['ui.theme', 'privacy.history']\n")
    loaded = config_io.load_layered()
    dialog = make(qtbot, loaded.config, locked=loaded.locked)
    retention = dialog.bindings["privacy.retention_days"].widget
    assert isinstance(retention, QSpinBox) and retention.value() == 7
    retention.setValue(60)
    with qtbot.waitSignal(dialog.saved):
        dialog.accept()
    assert tomllib.loads(user.read_text()) == {
        "ui": {"theme": "light"},
        "privacy": {"history": True, "retention_days": 60},
    }
    locked = config_io.load()
    assert (locked.ui.theme, locked.privacy.history, locked.privacy.retention_days) == (
        "dark",
        False,
        60,
    )
    system.write_text("")
    unlocked = config_io.load()
    assert (unlocked.ui.theme, unlocked.privacy.history) == ("light", True)
