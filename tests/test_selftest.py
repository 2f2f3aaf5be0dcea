"""--self-test: every model, the sample call, the overlay; 0 only when all of it works."""

from __future__ import annotations

import pytest

from agent_assist import paths, selftest
from agent_assist.config import Config
from agent_assist.errors import ModelError
from agent_assist.events import MoodUpdate, Suggestion, TranscriptFinal


def test_a_failing_step_is_reported_not_raised():
    def broken() -> str:
        raise ModelError("model x: file /m/model.bin is missing")

    def crash() -> str:
        raise ValueError("bad\nsecond line")

    step = selftest.timed("model x", broken)
    assert not step.ok and step.detail == "model x: file /m/model.bin is missing"
    assert "[FAIL] model x" in step.line()
    crashed = selftest.timed("crash", crash)
    assert not crashed.ok and crashed.detail == "ValueError: bad"


def test_any_failed_step_gives_a_nonzero_exit(monkeypatch):
    lines: list[str] = []
    monkeypatch.setattr(
        selftest,
        "run_steps",
        lambda config: [
            selftest.Step("a", True, "fine", 0.1),
            selftest.Step("b", False, "broken", 0.1),
        ],
    )
    assert selftest.run_self_test(Config(), lines.append) == 1
    assert lines[-1].startswith("self-test FAILED (1 of 2 steps: b)")
    passing = [selftest.Step("a", True, "fine", 0.1)]
    monkeypatch.setattr(selftest, "run_steps", lambda config: passing)
    assert selftest.run_self_test(Config(), lines.append) == 0
    assert lines[-1].startswith("self-test passed (1 steps)")


def test_a_broken_config_stops_the_self_test(isolated_dirs):
    (isolated_dirs / "system.toml").write_text("[locked]\nkeys = ['nope.nope']\n")
    lines: list[str] = []
    assert selftest.run_self_test(echo=lines.append) == 1
    assert any("system.toml: locked.keys: unknown key 'nope.nope'" in line for line in lines)


def test_overlay_opens_and_closes_offscreen(isolated_dirs):
    pytest.importorskip("PySide6")
    events = [
        TranscriptFinal("customer", 0.0, 2.0, "this is unacceptable", 0.9),
        MoodUpdate("customer", 2.0, -0.6, "falling", False, "negative"),
        Suggestion("acknowledge", "Acknowledge", "I hear you.", 50, 2.0),
    ]
    detail = selftest.open_overlay(Config(), events)
    assert detail.startswith("shown (") and "fed 3 events, closed" in detail


@pytest.mark.slow
def test_real_self_test_passes_and_falls_back_to_cpu(isolated_dirs):
    """The real thing: every model, the sample call, the overlay. With asr.device = cuda on a
    machine without a GPU it must still pass, on the CPU."""
    config = Config.model_validate({"asr": {"device": "cuda"}})
    lines: list[str] = []
    code = selftest.run_self_test(config, lines.append)
    report = "\n".join(lines)
    assert code == 0, report
    assert str(paths.app_root()) in lines[0]
    for name in (
        "model whisper-tiny.en",
        "model whisper-base",
        "model silero-vad-v6",
        "model sentiment-minilm",
        "pipeline (fast)",
        "speech model (accurate)",
        "sample call",
        "overlay",
    ):
        assert any(line.startswith("[ok  ] " + name) for line in lines), name
    assert "on cpu" in report
    assert "both speakers" not in report and "shown (" in report


def test_an_explicit_user_file_is_used(isolated_dirs):
    user = isolated_dirs / "mine.toml"
    user.write_text("[asr]\nbeam_size = 42\n")
    lines: list[str] = []
    assert selftest.run_self_test(echo=lines.append, user_file=user) == 1
    assert any(f"{user}: asr.beam_size:" in line for line in lines)
