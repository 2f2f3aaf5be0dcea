"""``agent-assist --self-test``: prove an installation works, offline, in a few seconds.

It verifies and loads every model, runs the bundled sample call through the pipeline, opens
and closes the overlay offscreen (when the GUI is part of the build), prints one line per
step and returns 0 when every step passed. IT runs it after deploying a build.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from agent_assist import __version__, modelstore, paths
from agent_assist import config as config_module
from agent_assist.config import AsrConfig, Config, LoadedConfig
from agent_assist.errors import AgentAssistError
from agent_assist.events import Event, Suggestion, TranscriptFinal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    name: str
    ok: bool
    detail: str
    seconds: float

    def line(self) -> str:
        state = "ok" if self.ok else "FAIL"
        return f"[{state:4}] {self.name:<28} {self.detail} ({self.seconds:.1f} s)"


def timed(name: str, action: Callable[[], str]) -> Step:
    """Run one step; any error becomes a failed step with a one-line reason."""
    started = time.perf_counter()
    try:
        detail, ok = action(), True
    except AgentAssistError as error:
        detail, ok = str(error), False
    except Exception as error:  # noqa: BLE001 - a self-test reports every failure, never crashes
        log.exception("self-test step %s failed", name)
        detail, ok = f"{type(error).__name__}: {error}".splitlines()[0], False
    return Step(name, ok, detail, time.perf_counter() - started)


def verify_models() -> list[Step]:
    steps = []
    for spec in modelstore.load_manifest():

        def verify(spec: modelstore.ModelSpec = spec) -> str:
            folder = modelstore.locate(spec)
            size = sum((folder / f.path).stat().st_size for f in spec.files)
            return f"{size / 1e6:.0f} MB, sha256 verified"

        steps.append(timed(f"model {spec.name}", verify))
    return steps


def load_whisper(profile: str, device: str) -> str:
    from agent_assist.asr.whisper import WhisperTranscriber

    transcriber = WhisperTranscriber.load(AsrConfig(profile=profile, device=device))  # type: ignore[arg-type]
    return f"{transcriber.model_name} on {transcriber.device} ({transcriber.compute_type})"


def other_whisper_profiles(config: Config) -> list[str]:
    from agent_assist.asr.whisper import PROFILE_MODELS

    names = {spec.name for spec in modelstore.load_manifest()}
    return [p for p, name in PROFILE_MODELS.items() if p != config.asr.profile and name in names]


class SampleRun:
    """Loads the configured pipeline once, then runs the sample call through it."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.models: Any = None
        self.events: list[Event] = []

    def load(self) -> str:
        from agent_assist.pipeline import load_models

        self.models = load_models(self.config)
        playbook = self.models.playbook
        rules = f", playbook {len(playbook.rules)} rules" if playbook is not None else ""
        return f"speech, sentiment and VAD loaded ({self.models.device}){rules}"

    def analyze(self) -> str:
        from agent_assist.pipeline import analyze_call

        if self.models is None:
            raise AgentAssistError("the pipeline did not load; see the step above")
        summary = analyze_call(paths.sample_call(), self.models, self.config, self.events.append)
        finals = [e for e in self.events if isinstance(e, TranscriptFinal)]
        speakers = {f.speaker for f in finals if f.text.strip()}
        suggestions = sum(isinstance(e, Suggestion) for e in self.events)
        detail = (
            f"{summary.duration:.0f} s of audio: {len(finals)} transcripts, "
            f"{suggestions} suggestions, mood end {summary.mood_end or 0:+.2f}"
        )
        if speakers != {"agent", "customer"}:
            raise AgentAssistError(
                f"{paths.sample_call()}: expected both speakers, got "
                f"{sorted(speakers) or 'no speech'} ({detail})"
            )
        if self.config.guidance.enabled and suggestions == 0:
            raise AgentAssistError(f"{paths.sample_call()}: no suggestion fired ({detail})")
        return detail


def gui_available() -> bool:
    try:
        return importlib.util.find_spec("agent_assist.ui.app") is not None
    except ImportError:
        return False


def open_overlay(config: Config, events: list[Event]) -> str:
    """Show the app's overlay offscreen, feed it the sample call's events, close it."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from agent_assist.ui import app as gui  # the ui package is the one that imports Qt

    qt_app = gui.QApplication.instance() or gui.QApplication(["agent-assist", "--self-test"])
    config = config_module.with_values(config, {"privacy.history": False})  # no user history

    def no_runner(_config: Config, _sink: Callable[[Event], None]) -> Any:
        raise AgentAssistError("the self-test does not start a live pipeline")

    controller = gui.AgentAssistApp(config, no_runner, save_config=lambda _c: None)
    try:
        controller.show()
        for event in events:
            controller.on_event(event)
        qt_app.processEvents()
        overlay = controller.overlay
        if not overlay.isVisible():
            raise AgentAssistError("the overlay did not show")
        size = f"{overlay.width()}x{overlay.height()}"
    finally:
        controller.shutdown()
        controller.overlay.close()
        qt_app.processEvents()
    platform = gui.QApplication.platformName()
    return f"shown ({size}, {platform}), fed {len(events)} events, closed"


def run_steps(config: Config) -> list[Step]:
    steps = verify_models()
    run = SampleRun(config)
    steps.append(timed(f"pipeline ({config.asr.profile})", run.load))
    for profile in other_whisper_profiles(config):
        load = partial(load_whisper, profile, config.asr.device)
        steps.append(timed(f"speech model ({profile})", load))
    steps.append(timed("sample call", run.analyze))
    if gui_available():
        steps.append(timed("overlay", lambda: open_overlay(config, run.events)))
    else:
        steps.append(Step("overlay", True, "skipped: this build has no GUI", 0.0))
    return steps


def run_self_test(
    config: Config | None = None,
    echo: Callable[[str], None] = print,
    user_file: Path | None = None,
    loaded: LoadedConfig | AgentAssistError | None = None,
) -> int:
    """Run every step, print a short report; 0 when all passed, 1 otherwise.

    Without ``config`` the layered config (``loaded``, the CLI's, or else loaded here: system
    file, then ``user_file`` or the user's file) is reported as the first step.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()
    echo(f"agent-assist {__version__} self-test ({paths.layout()} layout, {paths.app_root()})")
    if config is None:
        loaded = loaded or _load(user_file)
        step = timed("config", partial(_describe_config, loaded))
        echo(step.line())
        if isinstance(loaded, AgentAssistError):
            echo("self-test FAILED: the configuration does not load")
            return 1
        config = loaded.config
    steps = run_steps(config)
    for step in steps:
        echo(step.line())
    failed = [s.name for s in steps if not s.ok]
    total = time.perf_counter() - started
    if failed:
        names = ", ".join(failed)
        echo(f"self-test FAILED ({len(failed)} of {len(steps)} steps: {names}) in {total:.1f} s")
        return 1
    echo(f"self-test passed ({len(steps)} steps) in {total:.1f} s")
    return 0


def _load(user_file: Path | None) -> LoadedConfig | AgentAssistError:
    try:
        return config_module.load_layered(user_file)
    except AgentAssistError as error:
        return error


def _describe_config(loaded: LoadedConfig | AgentAssistError) -> str:
    if isinstance(loaded, AgentAssistError):
        raise loaded
    system = loaded.system_file if loaded.system_file.is_file() else "no system file"
    return f"{system}; {len(loaded.locked)} locked key(s)"
