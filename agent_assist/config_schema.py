"""The config schema: one pydantic model per section, strict and bounded.

Unknown keys are errors (a typo names its file and key, never a silently ignored setting);
values keep TOML's own types (``history = "yes"`` is an error, an integer is fine where a number
is expected); every number has a lower and an upper bound. Loading, layering and saving are in
``agent_assist.config``, which re-exports these classes.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Section(BaseModel):
    """Immutable: a changed config is a new one (``config.with_values``), so no holder of a
    config sees it change under it."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


PROFILE_BEAMS = {"fast": 5, "accurate": 1, "custom": 5}
"""Measured in models/README.md: greedy decoding costs whisper-base no WER on our speech sets
(and makes it 8x faster than real time), while tiny.en loses about 4 points on telephone audio."""


def _checksums(sums: dict[str, str]) -> dict[str, str]:
    """``{file name: sha256}`` for a custom model folder, as ``sha256sum`` prints them."""
    for name, digest in sums.items():
        if not name or "/" in name or "\\" in name or name in (".", ".."):
            raise ValueError(f"{name!r} is not a file name in the model folder")
        if not re.fullmatch(r"[0-9a-fA-F]{64}", digest):
            raise ValueError(f"{name}: {digest!r} is not a sha256 (64 hex digits)")
    return {name: digest.lower() for name, digest in sums.items()}


class AsrConfig(_Section):
    profile: Literal["fast", "accurate", "custom"] = "fast"
    model_path: str = ""
    """A local CTranslate2 model directory, used when profile is "custom"."""
    model_sha256: dict[str, str] = Field(default_factory=dict)
    """The custom model loads only when each of its files (model.bin, config.json,
    tokenizer.json, vocabulary.*) has its sha256 here and matches."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    beam_size: int = Field(default=0, ge=0, le=10)
    """0: the profile's measured default (``PROFILE_BEAMS``)."""
    cpu_threads: int = Field(default=1, ge=1, le=64)
    """Threads per decode. On the 2 shared cores we measured, 1 thread decoded faster than 2
    (models/README.md), and live captions decode beside the finals on the other core."""
    language: str = "en"
    no_speech_threshold: float = Field(default=0.6, ge=0.0, le=1.0)
    log_prob_threshold: float = Field(default=-1.0, ge=-20.0, le=0.0)
    compression_ratio_threshold: float = Field(default=2.4, gt=0.0, le=100.0)
    partial_interval_s: float = Field(default=0.5, gt=0.0, le=5.0)
    live_beam_size: int = Field(default=1, ge=1, le=10)
    """Beam width of live final decodes (greedy: fast enough for the live latency targets)."""
    live_window_s: float = Field(default=10.0, ge=5.0, le=30.0)
    """Live decoding: Whisper's encoder sees the utterance plus 1 s, at least this much (30:
    the full 30 s window, as batch analysis and plain faster-whisper). See models/README.md."""

    _check_sums = field_validator("model_sha256")(_checksums)

    @property
    def beam(self) -> int:
        """The beam width decoding uses: ``beam_size``, or the profile's default when 0."""
        return self.beam_size or PROFILE_BEAMS[self.profile]


class VadConfig(_Section):
    threshold: float = Field(default=0.35, gt=0.0, lt=1.0)
    """Below 0.5: Silero's speech probability drops on 8 kHz telephone audio (models/README.md)."""
    min_speech_ms: int = Field(default=250, ge=0, le=3000)
    hangover_ms: int = Field(default=400, ge=0, le=5000)
    tail_ms: int = Field(default=150, ge=0, le=2000)
    """Silence kept after the last speech frame."""
    ending_ms: int = Field(default=100, ge=0, le=2000)
    """Live: a pause this long (at most ``tail_ms``) starts decoding the utterance early."""
    pre_roll_ms: int = Field(default=300, ge=0, le=2000)
    max_utterance_s: float = Field(default=15.0, gt=1.0, le=30.0)


class AudioConfig(_Section):
    customer_device: str = ""
    """Name (or part of it) of the input that carries the customer: a loopback / monitor."""
    agent_device: str = ""
    """Name (or part of it) of the agent's microphone."""
    stereo_left: Literal["agent", "customer"] = "agent"
    mono_role: Literal["agent", "customer"] = "customer"
    queue_seconds: float = Field(default=30.0, gt=1.0, le=600.0)
    max_lag_s: float = Field(default=3.0, gt=0.0, le=300.0)


class SpeakersConfig(_Section):
    """One-channel recordings analysed by speaker (``agent_assist.speakers``)."""

    separate: bool = True
    """Find the speakers of a mono recording and which one is the agent; false: the whole
    recording is ``audio.mono_role``, as before (``analyze --mono-role`` does this too)."""
    count: Annotated[int, Field(ge=1, le=8)] | Literal["auto"] = 2
    """Speakers expected in a mono call. A further voice clearly apart from them is kept too
    (labelled ``other``, up to ``max_speakers``), and one voice gives one speaker: voices are
    never merged silently. ``"auto"`` starts from one voice and adds each voice clearly apart.
    """
    max_speakers: int = Field(default=4, ge=2, le=8)
    model: Literal["campplus", "ge2e"] = "campplus"
    """Speaker encoder: ``campplus`` (3D-Speaker's CAM++, the better at telling one voice from
    two and at finding a third) or ``ge2e`` (Resemblyzer's GE2E: about a third of the CPU, so
    the stage adds under 15 % to ``analyze``; models/README.md compares them)."""
    first_speaker: Literal["agent", "customer"] = "agent"
    """Who speaks first when no phrase tells the roles apart."""
    min_role_confidence: float = Field(default=0.7, ge=0.5, le=1.0)
    """Below it the roles are marked uncertain (both speakers' moods are kept in the summary)."""
    agent_phrases: tuple[str, ...] = ()
    """More phrases only an agent says (playbook phrase syntax), added to the built-in cues."""
    customer_phrases: tuple[str, ...] = ()

    @field_validator("agent_phrases", "customer_phrases", mode="before")
    @classmethod
    def _phrase_tuple(cls, phrases: object) -> object:
        """TOML gives a list; the config keeps a tuple (immutable)."""
        return tuple(phrases) if isinstance(phrases, list) else phrases

    @field_validator("agent_phrases", "customer_phrases")
    @classmethod
    def _phrases_compile(cls, phrases: tuple[str, ...]) -> tuple[str, ...]:
        from agent_assist.guidance.text import check_phrases

        return check_phrases(phrases)


class SentimentConfig(_Section):
    model_path: str = ""
    """Empty: the bundled model."""
    model_sha256: dict[str, str] = Field(default_factory=dict)
    """A custom ``model_path`` loads only when each of its files (model.onnx, tokenizer.json,
    config.json) has its sha256 here and matches: ``{ "model.onnx" = "…", … }``."""
    threads: int = Field(default=1, ge=1, le=64)
    use_context: bool = True

    _check_sums = field_validator("model_sha256")(_checksums)


class MoodConfig(_Section):
    smoothing: float = Field(default=0.35, gt=0.0, le=1.0)
    """Weight of the newest utterance in the exponential moving average."""
    trend_window_s: float = Field(default=30.0, gt=0.0, le=3600.0)
    trend_threshold: float = Field(default=0.15, gt=0.0, le=2.0)
    negative_below: float = Field(default=-0.25, ge=-1.0, le=0.0)


class GuidanceConfig(_Section):
    playbook: str = ""
    """Empty: the bundled default playbook."""
    enabled: bool = True
    sensitivity: float = Field(default=1.0, ge=0.25, le=4.0)
    min_confidence: float = Field(default=0.45, ge=0.0, le=1.0)
    max_visible: int = Field(default=3, ge=1, le=10)


class PrivacyConfig(_Section):
    history: bool = False
    retention_days: int = Field(default=30, ge=1, le=3650)
    voice_cues: bool = True
    redact_overlay: bool = False
    redact_outputs: bool = True
    """Redact PII in every output (``analyze``, ``listen``, history); ``--no-redact`` sets false."""
    redact_keep: tuple[str, ...] = ()
    """Regexes for ids that must not be redacted (e.g. order numbers the playbook mentions):
    RE2 syntax, and none may match real PII (checked by ``agent_assist.redact``)."""

    @field_validator("redact_keep", mode="before")
    @classmethod
    def _as_tuple(cls, patterns: object) -> object:
        """TOML gives a list; the config keeps a tuple (immutable)."""
        return tuple(patterns) if isinstance(patterns, list) else patterns

    @field_validator("redact_keep")
    @classmethod
    def _safe_keep_patterns(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        if patterns:
            from agent_assist.redact import check_keep_patterns  # not at import: no cycle

            try:
                check_keep_patterns(patterns)
            except ValueError as error:
                raise ValueError(str(error).removeprefix("privacy.redact_keep: ")) from None
        return patterns


class UiConfig(_Section):
    opacity: float = Field(default=0.92, ge=0.3, le=1.0)
    scale: float = Field(default=1.0, ge=0.5, le=3.0)
    theme: Literal["dark", "light", "high-contrast"] = "dark"
    compact: bool = False
    click_through: bool = False
    show_agent_caption: bool = True
    keyboard_shortcut: str = Field(default="Ctrl+Alt+K", max_length=40)
    """Global shortcut that puts the overlay in keyboard mode (X11); empty: none."""
    positions: dict[str, list[int]] = Field(default_factory=dict)
    """Deprecated: read once from old files and moved to the UI state file; never saved."""


class LoggingConfig(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Config(_Section):
    asr: AsrConfig = Field(default_factory=AsrConfig)
    vad: VadConfig = Field(default_factory=VadConfig)
    audio: AudioConfig = Field(default_factory=AudioConfig)
    speakers: SpeakersConfig = Field(default_factory=SpeakersConfig)
    sentiment: SentimentConfig = Field(default_factory=SentimentConfig)
    mood: MoodConfig = Field(default_factory=MoodConfig)
    guidance: GuidanceConfig = Field(default_factory=GuidanceConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    ui: UiConfig = Field(default_factory=UiConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
