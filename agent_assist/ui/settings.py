"""The settings dialog: edits a copy of the config, validates it, saves it through ``config``.

Each control is bound to one dotted config key. Keys IT has locked (``locked``; a section name
locks the whole section) are shown disabled with a lock hint and never changed here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from agent_assist import config as config_io
from agent_assist.config import Config
from agent_assist.errors import AgentAssistError, ConfigError
from agent_assist.ui.devices import DeviceListing, DeviceProvider, query_devices

log = logging.getLogger(__name__)

LOCK_HINT = "Locked by your administrator"
LOCK_MARK = " (locked)"
"""Text, not an emoji: it must show with any font."""
PlaybookCheck = Callable[[Path], str]
SaveConfig = Callable[[Config], object]


def check_playbook(path: Path) -> str:
    """Validate a playbook file; a one-line summary, or the loader's error."""
    from agent_assist.guidance.playbook import load_playbook

    playbook = load_playbook(path)
    return f"valid: {len(playbook.rules)} rules"


def default_playbook_path() -> Path:
    from agent_assist import paths

    return paths.default_playbook()


@dataclass
class Binding:
    key: str
    widget: QWidget
    label: QLabel
    get: Callable[[], Any]
    set: Callable[[Any], None]


def field_bounds(key: str) -> tuple[float | None, float | None]:
    """The (low, high) limits pydantic enforces for a dotted key, for the spin box ranges."""
    section, name = key.split(".")
    model: type[BaseModel] = type(getattr(Config(), section))
    low = high = None
    for item in model.model_fields[name].metadata:
        if isinstance(item, Ge):
            low = float(item.ge)  # type: ignore[arg-type]
        elif isinstance(item, Gt):
            low = float(item.gt) + 0.01  # type: ignore[arg-type]
        elif isinstance(item, Le):
            high = float(item.le)  # type: ignore[arg-type]
        elif isinstance(item, Lt):
            high = float(item.lt) - 0.01  # type: ignore[arg-type]
    return low, high


def get_key(config: Config, key: str) -> Any:
    section, name = key.split(".")
    return getattr(getattr(config, section), name)


def is_locked(key: str, locked: frozenset[str]) -> bool:
    return key in locked or key.split(".")[0] in locked


class SettingsDialog(QDialog):
    """Emits ``saved(Config)`` after a valid config was written; stays open on errors."""

    saved = Signal(object)

    def __init__(
        self,
        config: Config,
        *,
        locked: frozenset[str] = frozenset(),
        devices: DeviceProvider = query_devices,
        playbook_check: PlaybookCheck = check_playbook,
        save: SaveConfig = config_io.save,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.config = config
        self.locked = locked
        self.playbook_check = playbook_check
        self.save_config = save
        self.bindings: dict[str, Binding] = {}
        self.listing: DeviceListing = devices()
        self.setWindowTitle("agent-assist settings")
        self.setAccessibleName("Settings")
        self.setMinimumWidth(600)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._audio_tab(), "&Audio")
        self.tabs.addTab(self._model_tab(), "&Model")
        self.tabs.addTab(self._guidance_tab(), "&Guidance")
        self.tabs.addTab(self._privacy_tab(), "&Privacy")
        self.tabs.addTab(self._appearance_tab(), "Appeara&nce")
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Settings error")
        self.error.setStyleSheet("color: #e74c3c; font-weight: bold;")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        for binding in self.bindings.values():
            binding.set(get_key(config, binding.key))
            if is_locked(binding.key, locked):
                self._lock(binding)
        self._profile_changed()
        self.check_playbook()

    # tabs ---------------------------------------------------------------------------------
    def _audio_tab(self) -> QWidget:
        form, page = _form()
        for key, text in (
            ("audio.customer_device", "C&ustomer side (loopback):"),
            ("audio.agent_device", "Agen&t side (microphone):"),
        ):
            self._bind_device(form, key, text)
        self.device_problem = QLabel(self.listing.problem)
        self.device_problem.setWordWrap(True)
        self.device_problem.setAccessibleName("Audio device problem")
        self.device_problem.setVisible(bool(self.listing.problem))
        form.addRow(self.device_problem)
        self._bind_combo(
            form,
            "audio.stereo_left",
            "&Left channel of a stereo input:",
            [("Agent", "agent"), ("Customer", "customer")],
        )
        self._bind_combo(
            form,
            "audio.mono_role",
            "Mono &input is:",
            [("Customer", "customer"), ("Agent", "agent")],
        )
        return page

    def _model_tab(self) -> QWidget:
        form, page = _form()
        self.profile = self._bind_combo(
            form,
            "asr.profile",
            "Speech model pro&file:",
            [("Fast", "fast"), ("Accurate", "accurate"), ("Custom model folder", "custom")],
        )
        self.profile.currentIndexChanged.connect(self._profile_changed)
        self.model_path = QLineEdit()
        self.model_path.setPlaceholderText("a CTranslate2 Whisper model folder")
        browse = _browse_button("Choose the custom model folder")
        browse.clicked.connect(self._browse_model)
        self.model_browse = browse
        self._bind(
            form,
            "asr.model_path",
            "Custom model f&older:",
            _with_button(self.model_path, browse),
            self.model_path.text,
            lambda v: self.model_path.setText(str(v)),
            focus=self.model_path,
        )
        self._bind_combo(
            form,
            "asr.device",
            "Compute &device:",
            [("Auto (GPU when available)", "auto"), ("CPU", "cpu"), ("CUDA GPU", "cuda")],
        )
        return page

    def _guidance_tab(self) -> QWidget:
        form, page = _form()
        self._bind_check(form, "guidance.enabled", "Show s&uggestions")
        self._bind_double(form, "guidance.sensitivity", "Suggestion sensiti&vity:", 0.25, 2)
        self._bind_double(form, "mood.smoothing", "Mood &responsiveness:", 0.05, 2)
        self._bind_int(form, "guidance.max_visible", "Suggestions sho&wn at once:")
        self.playbook = QLineEdit()
        self.playbook.setPlaceholderText("bundled default playbook")
        self.playbook.editingFinished.connect(self.check_playbook)
        browse = _browse_button("Choose a playbook file")
        browse.clicked.connect(self._browse_playbook)
        self.playbook_browse = browse
        self._bind(
            form,
            "guidance.playbook",
            "Pla&ybook file:",
            _with_button(self.playbook, browse),
            self.playbook.text,
            lambda v: self.playbook.setText(str(v)),
            focus=self.playbook,
        )
        self.playbook_status = QLabel()
        self.playbook_status.setWordWrap(True)
        self.playbook_status.setAccessibleName("Playbook check")
        form.addRow(self.playbook_status)
        return page

    def _privacy_tab(self) -> QWidget:
        form, page = _form()
        self._bind_check(form, "privacy.history", "Keep call &history on this computer")
        self._bind_int(form, "privacy.retention_days", "&Delete history after:", " days")
        self._bind_check(form, "privacy.voice_cues", "Use &voice cues (loudness, pace)")
        self._bind_check(form, "privacy.redact_overlay", "&Redact numbers in the overlay")
        return page

    def _appearance_tab(self) -> QWidget:
        form, page = _form()
        self._bind_percent(form, "ui.opacity", "&Opacity:", 5)
        self._bind_percent(form, "ui.scale", "Si&ze:", 25)
        self._bind_combo(
            form,
            "ui.theme",
            "&Theme:",
            [("Dark", "dark"), ("Light", "light"), ("High contrast", "high-contrast")],
        )
        self._bind_check(form, "ui.compact", "Compact o&verlay")
        self._bind_check(form, "ui.show_agent_caption", "Show the agent's capt&ion")
        self._bind_check(form, "ui.click_through", "Clic&ks pass through the overlay")
        shortcut = QLineEdit()
        shortcut.setPlaceholderText("none (use the tray menu)")
        shortcut.setToolTip("Anywhere on the desktop, this key puts the overlay in keyboard mode")
        self._bind(
            form,
            "ui.keyboard_shortcut",
            "Key&board mode shortcut:",
            shortcut,
            lambda: shortcut.text().strip(),
            lambda v: shortcut.setText(str(v)),
        )
        return page

    # binding helpers ----------------------------------------------------------------------
    def _bind(
        self,
        form: QFormLayout,
        key: str,
        text: str,
        widget: QWidget,
        get: Callable[[], Any],
        set_: Callable[[Any], None],
        *,
        focus: QWidget | None = None,
    ) -> None:
        label = QLabel(text)
        target = focus or widget
        label.setBuddy(target)
        target.setAccessibleName(text.replace("&", "").rstrip(":"))
        form.addRow(label, widget)
        self.bindings[key] = Binding(key, widget, label, get, set_)

    def _bind_combo(
        self, form: QFormLayout, key: str, text: str, items: list[tuple[str, str]]
    ) -> QComboBox:
        combo = QComboBox()
        for label, value in items:
            combo.addItem(label, value)
        self._bind(form, key, text, combo, combo.currentData, lambda v: _select(combo, v))
        return combo

    def _bind_device(self, form: QFormLayout, key: str, text: str) -> None:
        combo = QComboBox()
        combo.addItem("System default", "")
        for device in self.listing.inputs:
            combo.addItem(device.label, device.name)

        def set_(value: Any) -> None:
            if value and combo.findData(value) < 0:
                combo.addItem(f"{value} (not found now)", value)
            _select(combo, value)

        self._bind(form, key, text, combo, combo.currentData, set_)

    def _bind_check(self, form: QFormLayout, key: str, text: str) -> None:
        box = QCheckBox(text)
        box.setAccessibleName(text.replace("&", ""))
        label = QLabel()
        form.addRow(label, box)
        self.bindings[key] = Binding(key, box, label, box.isChecked, box.setChecked)

    def _bind_int(self, form: QFormLayout, key: str, text: str, unit: str = "") -> None:
        spin = QSpinBox()
        low, high = field_bounds(key)
        spin.setRange(int(low if low is not None else 0), int(high if high is not None else 10**6))
        text = _with_range(text, spin.minimum(), spin.maximum(), unit)
        self._bind(form, key, text, spin, spin.value, lambda v: spin.setValue(int(v)))

    def _bind_double(
        self, form: QFormLayout, key: str, text: str, step: float, digits: int
    ) -> None:
        spin = QDoubleSpinBox()
        low, high = field_bounds(key)
        spin.setDecimals(digits)
        spin.setRange(low if low is not None else 0.0, high if high is not None else 1e6)
        spin.setSingleStep(step)
        text = _with_range(text, spin.minimum(), spin.maximum(), "")
        self._bind(form, key, text, spin, spin.value, lambda v: spin.setValue(float(v)))

    def _bind_percent(self, form: QFormLayout, key: str, text: str, step: int) -> None:
        spin = QSpinBox()
        low, high = field_bounds(key)
        spin.setRange(round((low or 0) * 100), round((high or 1) * 100))
        spin.setSingleStep(step)
        spin.setSuffix(" %")
        text = _with_range(text, spin.minimum(), spin.maximum(), " %")
        self._bind(
            form,
            key,
            text,
            spin,
            lambda: spin.value() / 100,
            lambda v: spin.setValue(round(v * 100)),
        )

    def _lock(self, binding: Binding) -> None:
        binding.widget.setEnabled(False)
        binding.widget.setToolTip(LOCK_HINT)
        binding.label.setToolTip(LOCK_HINT)
        if isinstance(binding.widget, QCheckBox):
            binding.widget.setText(binding.widget.text() + LOCK_MARK)
        else:
            text = binding.label.text().rstrip(":")
            marked = f"{text[:-1]}, locked)" if text.endswith(")") else text + LOCK_MARK
            binding.label.setText(marked + ":")
        name = binding.widget.accessibleName()
        binding.widget.setAccessibleName(f"{name} (locked)")
        binding.widget.setAccessibleDescription(LOCK_HINT)

    # behaviour ----------------------------------------------------------------------------
    def _profile_changed(self) -> None:
        custom = self.profile.currentData() == "custom"
        editable = custom and not is_locked("asr.model_path", self.locked)
        self.model_path.setEnabled(editable)
        self.model_browse.setEnabled(editable)

    def _browse_model(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Custom Whisper model folder")
        if folder:
            self.model_path.setText(folder)

    def _browse_playbook(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Playbook", "", "Playbooks (*.toml);;All files (*)"
        )
        if path:
            self.playbook.setText(path)
            self.check_playbook()

    def check_playbook(self) -> bool:
        """Validate the chosen playbook now; the result (or error) shows under the field."""
        text = self.playbook.text().strip()
        path = Path(text) if text else default_playbook_path()
        try:
            summary = self.playbook_check(path)
        except AgentAssistError as error:
            self.playbook_status.setText(f"✗ {error}")
            self.playbook_status.setStyleSheet("color: #e74c3c;")
            return False
        except ImportError as error:
            self.playbook_status.setText(f"playbook check unavailable: {error}")
            self.playbook_status.setStyleSheet("")
            return True
        self.playbook_status.setText(f"✓ {path.name}: {summary}")
        self.playbook_status.setStyleSheet("color: #27ae60;")
        return True

    def values(self) -> dict[str, Any]:
        """The dotted keys the user may change, with the controls' values."""
        return {
            key: binding.get()
            for key, binding in self.bindings.items()
            if not is_locked(key, self.locked)
        }

    def build_config(self, values: dict[str, Any]) -> Config:
        """The edited config, validated by the schema; raises ConfigError naming the key."""
        data = self.config.model_dump(mode="json")
        for key, value in values.items():
            section, name = key.split(".")
            data[section][name] = value
        config = config_io.from_dict(data, "settings")
        if config.ui.keyboard_shortcut:
            from agent_assist.ui.hotkey import parse

            try:
                parse(config.ui.keyboard_shortcut)
            except ValueError as error:
                raise ConfigError(str(error)) from None
        if config.asr.profile == "custom" and not Path(config.asr.model_path).is_dir():
            shown = config.asr.model_path or "(empty)"
            raise ConfigError(f"asr.model_path: custom model folder not found: {shown}")
        return config

    def accept(self) -> None:
        try:
            config = self.build_config(self.values())
        except ConfigError as error:
            self.show_error(str(error))
            return
        if not self.check_playbook():
            self.tabs.setCurrentIndex(2)
            self.show_error(f"guidance.playbook: {self.playbook_status.text().lstrip('✗ ')}")
            return
        try:
            self.save_config(config)
        except (OSError, AgentAssistError) as error:
            self.show_error(f"cannot save settings: {error}")
            return
        self.error.clear()
        self.config = config
        self.saved.emit(config)
        super().accept()

    def show_error(self, message: str) -> None:
        log.info("settings refused: %s", message)
        self.error.setText(message)


def _with_range(text: str, low: float, high: float, unit: str) -> str:
    """'Si&ze:' → 'Si&ze (50–300 %):' so the limits are seen before a value is refused."""
    return f"{text.rstrip(':')} ({low:g}–{high:g}{unit}):"


def _form() -> tuple[QFormLayout, QWidget]:
    page = QWidget()
    form = QFormLayout(page)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form, page


def _browse_button(name: str) -> QPushButton:
    button = QPushButton("Browse…")
    button.setAccessibleName(name)
    return button


def _with_button(edit: QLineEdit, button: QPushButton) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(edit, 1)
    row.addWidget(button)
    return box


def _select(combo: QComboBox, value: Any) -> None:
    index = combo.findData(value)
    combo.setCurrentIndex(max(index, 0))
