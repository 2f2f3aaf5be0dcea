"""One typed configuration, stored as TOML.

``Config`` is a tree of pydantic models that forbid unknown keys, so a typo in a config file
is an error that names the key (``asr.beam_size: ...``), never a silently ignored setting.
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent_assist import paths
from agent_assist.errors import ConfigError

log = logging.getLogger(__name__)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


class AsrConfig(_Section):
    profile: Literal["fast", "accurate", "custom"] = "fast"
    model_path: str = ""
    """A local CTranslate2 model directory, used when profile is "custom"."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    beam_size: int = Field(5, ge=1, le=10)
    cpu_threads: int = Field(2, ge=1, le=64)
    language: str = "en"
    no_speech_threshold: float = Field(0.6, ge=0.0, le=1.0)
    log_prob_threshold: float = Field(-1.0, le=0.0)
    compression_ratio_threshold: float = Field(2.4, gt=0.0)
    partial_interval_s: float = Field(0.5, gt=0.0, le=5.0)


class VadConfig(_Section):
    threshold: float = Field(0.5, gt=0.0, lt=1.0)
    min_speech_ms: int = Field(250, ge=0)
    hangover_ms: int = Field(500, ge=0)
    pre_roll_ms: int = Field(300, ge=0)
    max_utterance_s: float = Field(15.0, gt=1.0, le=30.0)


class AudioConfig(_Section):
    customer_device: str = ""
    """Name (or part of it) of the input that carries the customer: a loopback / monitor."""
    agent_device: str = ""
    """Name (or part of it) of the agent's microphone."""
    stereo_left: Literal["agent", "customer"] = "agent"
    mono_role: Literal["agent", "customer"] = "customer"
    queue_seconds: float = Field(30.0, gt=1.0)
    max_lag_s: float = Field(3.0, gt=0.0)


class SentimentConfig(_Section):
    model_path: str = ""
    """Empty: the bundled model."""
    threads: int = Field(1, ge=1, le=64)
    use_context: bool = True


class MoodConfig(_Section):
    smoothing: float = Field(0.35, gt=0.0, le=1.0)
    """Weight of the newest utterance in the exponential moving average."""
    trend_window_s: float = Field(30.0, gt=0.0)
    trend_threshold: float = Field(0.15, gt=0.0)
    negative_below: float = Field(-0.25, ge=-1.0, le=0.0)


class GuidanceConfig(_Section):
    playbook: str = ""
    """Empty: the bundled default playbook."""
    enabled: bool = True
    sensitivity: float = Field(1.0, ge=0.25, le=4.0)
    min_confidence: float = Field(0.45, ge=0.0, le=1.0)
    max_visible: int = Field(3, ge=1, le=10)


class PrivacyConfig(_Section):
    history: bool = False
    retention_days: int = Field(30, ge=1, le=3650)
    voice_cues: bool = True
    redact_overlay: bool = False


class UiConfig(_Section):
    opacity: float = Field(0.92, ge=0.3, le=1.0)
    scale: float = Field(1.0, ge=0.5, le=3.0)
    theme: Literal["dark", "light", "high-contrast"] = "dark"
    compact: bool = False
    click_through: bool = False
    show_agent_caption: bool = True
    positions: dict[str, list[int]] = Field(default_factory=dict)


class LoggingConfig(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Config(_Section):
    asr: AsrConfig = Field(default_factory=AsrConfig)
    vad: VadConfig = Field(default_factory=VadConfig)
    audio: AudioConfig = Field(default_factory=AudioConfig)
    sentiment: SentimentConfig = Field(default_factory=SentimentConfig)
    mood: MoodConfig = Field(default_factory=MoodConfig)
    guidance: GuidanceConfig = Field(default_factory=GuidanceConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    ui: UiConfig = Field(default_factory=UiConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)


def _describe(error: ValidationError, source: str) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    return f"{source}: {key}: {first['msg']}"


def from_dict(data: dict[str, Any], source: str = "config") -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_describe(error, source)) from None


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None


def load(path: Path | None = None) -> Config:
    """Read a config file; a missing file gives the defaults."""
    path = path or paths.user_config_file()
    if not path.exists():
        return Config()
    return from_dict(read_toml(path), str(path))


def save(config: Config, path: Path | None = None) -> Path:
    path = path or paths.user_config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = config.model_dump(mode="json")
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(tomli_w.dumps(data).encode())
    tmp.replace(path)
    log.info("saved config to %s", path)
    return path
