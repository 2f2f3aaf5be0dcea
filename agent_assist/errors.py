"""Errors with one-line messages meant for the user (CLI stderr, GUI status line)."""

from __future__ import annotations


class AgentAssistError(Exception):
    """Base: ``str(error)`` is a single line that names the file, key or device at fault."""

    def __str__(self) -> str:
        return " ".join(super().__str__().split())


class AudioError(AgentAssistError):
    """An audio file cannot be read or decoded."""


class ModelError(AgentAssistError):
    """A model is missing, corrupt or fails its checksum."""


class ConfigError(AgentAssistError):
    """A config file or value is invalid."""


class PlaybookError(AgentAssistError):
    """A playbook file is invalid."""


class DeviceError(AgentAssistError):
    """An audio device or PortAudio itself is not available."""
