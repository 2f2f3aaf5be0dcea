"""End to end through a real audio server: paplay real speech → PulseAudio → sounddevice → events.

Needs the pulseaudio binary (skipped with the reason otherwise) and the real models.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from agent_assist.asr.metrics import words_found
from agent_assist.cli import listen
from agent_assist.cli.entry import load_once
from agent_assist.config import Config
from agent_assist.events import (
    Event,
    Latency,
    MoodUpdate,
    PipelineStatus,
    TranscriptFinal,
    TranscriptPartial,
)
from agent_assist.live import LiveRunner
from agent_assist.pipeline import Models
from tests.live.conftest import Rig, padded_clip
from tests.live.helpers import Collector

pytestmark = pytest.mark.slow

JFK = (
    "and so my fellow americans ask not what your country can do for you"
    " ask what you can do for your country"
)
ILL_DISPOSED = "he was not an ill disposed young man"


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z' ]", " ", text.lower()).split()


def recall(reference: str, heard: str) -> float:
    """Share of the reference words that were heard (order-free, with multiplicity)."""
    return words_found(words(reference), words(heard)) / len(words(reference))


def precision(drafts: list[str], reference: str) -> float:
    """Share of the drafts' words that were said (each draft on its own, pooled)."""
    found = sum(words_found(words(draft), words(reference)) for draft in drafts)
    return found / max(1, sum(len(words(draft)) for draft in drafts))


def said(events: Collector, role: str) -> str:
    return " ".join(f.text for f in events.of(TranscriptFinal) if f.speaker == role)


def config(customer: str, agent: str) -> Config:
    # max_lag_s: the machine is shared: assert on words, not on keeping up
    audio = {"customer_device": customer, "agent_device": agent, "max_lag_s": 60.0}
    return Config.model_validate({"audio": audio})


def listening(events: Collector, role: str, resumed: bool = False) -> bool:
    return any(
        s.role == role and (not resumed or "resumed" in s.message)
        for s in events.statuses("listening")
    )


def test_real_speech_played_into_the_call_is_captioned_transcribed_and_scored(
    rig: Rig, real_models: Models, tmp_path: Path
) -> None:
    events = Collector()
    runner = LiveRunner(config("call_monitor", "none"), events, models=real_models)
    runner.start()
    try:
        events.wait_for(lambda ev: listening(events, "customer"), timeout=90)
        player = rig.customer.play(padded_clip("jfk.flac", tmp_path))
        assert player.wait(40) == 0, player.stderr.read() if player.stderr else ""
        events.wait_for(lambda ev: recall(JFK, said(events, "customer")) >= 0.8, timeout=90)
    finally:
        runner.stop()
    finals = [f for f in events.of(TranscriptFinal) if f.speaker == "customer"]
    assert all(f.sentiment is not None for f in finals)
    assert len(events.of(MoodUpdate)) >= len(finals)
    partials = events.of(TranscriptPartial)
    order = events.events
    first_final = {f.start: order.index(f) for f in reversed(finals)}
    assert any(order.index(p) < first_final.get(p.start, -1) for p in partials)
    assert precision([p.text for p in partials], JFK) >= 0.7  # mostly words that were said
    latencies = events.of(Latency)
    assert len(latencies) == len(finals)
    assert all(0 < x.to_transcript <= x.to_mood <= x.to_guidance for x in latencies)
    assert not [f for f in events.of(TranscriptFinal) if f.speaker == "agent"]
    assert not events.statuses("error") and not events.statuses("device_lost")
    assert events.statuses("stopped")


def test_a_source_removed_mid_call_is_reported_the_other_side_continues_and_it_recovers(
    rig: Rig, real_models: Models, tmp_path: Path
) -> None:
    events = Collector()
    runner = LiveRunner(config("call_monitor", "headset_mic"), events, models=real_models)
    runner.start()
    agent_clip = padded_clip("librivox_ill_disposed.flac", tmp_path)
    try:
        events.wait_for(lambda ev: listening(events, "customer") and listening(events, "agent"), 60)
        assert rig.agent.play(agent_clip).wait(30) == 0
        events.wait_for(lambda ev: recall(ILL_DISPOSED, said(events, "agent")) >= 0.6, timeout=90)

        rig.agent.remove_sink()
        events.wait_for(lambda ev: events.statuses("device_lost", "agent"), timeout=15)
        assert rig.customer.play(padded_clip("jfk.flac", tmp_path)).wait(40) == 0
        events.wait_for(lambda ev: recall(JFK, said(events, "customer")) >= 0.8, timeout=90)
        assert not listening(events, "agent", resumed=True)

        rig.agent.restore_sink()
        events.wait_for(lambda ev: listening(events, "agent", resumed=True), timeout=20)
        before = len([f for f in events.of(TranscriptFinal) if f.speaker == "agent"])
        assert rig.agent.play(agent_clip).wait(30) == 0
        events.wait_for(
            lambda ev: (
                len([f for f in events.of(TranscriptFinal) if f.speaker == "agent"]) > before
            ),
            timeout=30,
        )
    finally:
        runner.stop()
    late = [f for f in events.of(TranscriptFinal) if f.speaker == "agent"][before:]
    assert recall(ILL_DISPOSED, " ".join(f.text for f in late)) >= 0.6
    assert not events.statuses("device_lost", "customer")
    assert not events.statuses("error")


def cli_args(tmp_path: Path, *argv: str) -> argparse.Namespace:
    config_file = tmp_path / "config.toml"
    config_file.write_text("[audio]\nmax_lag_s = 60.0\n")
    parser = argparse.ArgumentParser()
    parser.add_argument("--config")
    listen.register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["--config", str(config_file), *argv])


def test_devices_lists_the_virtual_inputs_with_the_loopback_hint(rig: Rig, tmp_path: Path) -> None:
    out = io.StringIO()
    args = cli_args(tmp_path, "devices")
    assert listen.cmd_devices(args, load_once(args), out) == 0
    lines = out.getvalue().splitlines()
    monitor = next(line for line in lines if "call_monitor" in line)
    headset = next(line for line in lines if "headset_mic" in line)
    assert "ALSA" in monitor and "loopback?" in monitor and "loopback?" not in headset
    assert any(
        line.startswith("customer: ") and "call_monitor (automatic)" in line for line in lines
    )


def test_listen_prints_the_live_call_as_json_lines(
    rig: Rig, real_models: Models, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = padded_clip("jfk.flac", tmp_path, lead_s=2.5, tail_s=1.0)
    players: list[subprocess.Popen[bytes]] = []

    def runner(config: Config, on_event: Callable[[Event], None]) -> LiveRunner:
        def tap(event: Event) -> None:
            on_event(event)
            started = isinstance(event, PipelineStatus) and event.state == "listening"
            if started and not players:
                players.append(rig.customer.play(clip))

        return LiveRunner(config, tap, models=real_models)

    monkeypatch.setattr(listen, "make_runner", runner)
    out = io.StringIO()
    args = cli_args(
        tmp_path, "listen", "--customer", "call_monitor", "--agent", "none", "--seconds", "45"
    )
    assert listen.cmd_listen(args, load_once(args), out) == 0
    assert players and players[0].wait(10) == 0
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    text = " ".join(r["text"] for r in records if r["type"] == "transcript")
    assert recall(JFK, text) >= 0.8
    assert {"partial", "transcript", "mood", "latency", "summary"} <= {r["type"] for r in records}
    assert records[-1]["type"] == "status" and records[-1]["state"] == "stopped"
