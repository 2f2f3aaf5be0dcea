"""The Qt-free view models behind the widgets."""

from __future__ import annotations

from agent_assist.events import MoodUpdate, PipelineStatus, Suggestion, TranscriptPartial
from agent_assist.ui.viewmodels import (
    MOOD_AMBER,
    MOOD_GREEN,
    MOOD_GREY,
    MOOD_RED,
    CallRecord,
    MoodState,
    OverlayState,
    StatusModel,
    choose_position,
    default_position,
    evidence_text,
    mood_number,
    mood_rgb,
    remember_position,
)
from tests.ui import scenario


def test_mood_colour_runs_red_amber_green() -> None:
    assert mood_rgb(-1.0) == MOOD_RED
    assert mood_rgb(0.0) == MOOD_AMBER
    assert mood_rgb(1.0) == MOOD_GREEN
    assert mood_rgb(None) == MOOD_GREY
    assert mood_rgb(-5.0) == MOOD_RED
    red, green, _ = mood_rgb(-0.5)
    assert MOOD_RED[0] < red < MOOD_AMBER[0]
    assert MOOD_RED[1] < green < MOOD_AMBER[1]


def test_mood_number_is_signed_percent() -> None:
    assert mood_number(-0.624) == "-62"
    assert mood_number(0.35) == "+35"
    assert mood_number(0.001) == "0"


def test_mood_state_keeps_the_window_and_spreads_a_young_call() -> None:
    state = MoodState(window_s=60)
    for t in range(0, 200, 10):
        state.update(MoodUpdate("customer", float(t), -0.5, "falling", False))
    assert state.history[0][0] == 130.0
    points = state.sparkline()
    assert points[0][0] == 0.0 and points[-1][0] == 1.0
    young = MoodState()
    young.update(MoodUpdate("customer", 4.0, 0.1, "steady", False))
    young.update(MoodUpdate("customer", 14.0, -0.3, "falling", True))
    assert [round(x, 2) for x, _ in young.sparkline()] == [0.67, 1.0]
    assert young.uncertain and young.arrow == "↓" and young.number == "-30"


def test_evidence_text_quotes_words_and_names_speaker() -> None:
    assert evidence_text(scenario.REPEAT) == "customer: “this is the third time I'm calling”"
    assert evidence_text(scenario.EMPATHY) == "customer: mood -62 and falling"
    assert evidence_text(Suggestion("x", "t", "p", 1, 0.0)) == ""


def test_status_text_states_lag_and_device_note() -> None:
    status = StatusModel()
    status.update(PipelineStatus("info", "GPU (CUDA)"))
    status.update(PipelineStatus("listening", "listening"))
    assert status.text() == "Listening · GPU (CUDA)" and status.tone == "ok"
    status.update(PipelineStatus("behind", "skipping audio", lag=4.25))
    assert status.text().startswith("Falling behind (4.2 s)") and status.tone == "warn"
    status.update(PipelineStatus("no_device", "no input device named 'Headset'"))
    assert status.text() == (
        "No audio device · no input device named 'Headset' · plug in the headset, "
        "or choose the devices in Settings › Audio"
    )
    assert status.tone == "error" and not status.running


def test_status_in_plain_words_names_every_side_without_a_device() -> None:
    status = StatusModel()
    status.update(
        PipelineStatus("listening", "replaying x.flac (no CUDA GPU found; using CPU (int8))")
    )
    assert status.text() == "Listening · replaying x.flac (speech recognition on the processor)"
    status.update(PipelineStatus("paused", "paused"))
    assert status.text() == "Paused for privacy", "not 'Paused (privacy) · paused'"
    status.update(PipelineStatus("starting", "starting live capture"))
    for side in ("customer", "agent"):
        status.update(PipelineStatus("no_device", f"no {side} device", role=side))  # type: ignore[arg-type]
    assert status.text().startswith("No audio device for the agent and customer sides · plug in")
    assert status.waiting_for_devices
    status.update(PipelineStatus("listening", "customer capturing", role="customer"))
    assert "no audio device for the agent side" in status.text()


def test_overlay_state_reports_changed_parts() -> None:
    state = OverlayState(max_visible=3)
    parts = [state.apply(e) for e in scenario.escalating()]
    assert {"mood"} in parts and {"captions"} in parts and {"cards"} in parts
    assert state.customer.score == -0.62
    assert state.captions.lines["agent"].provisional
    assert state.captions.lines["customer"].text.startswith("Honestly")
    assert state.now == 26.0
    assert state.act(scenario.REPEAT.id, "dismissed") is not None
    state.reset()
    assert state.customer.score is None and not state.deck.cards
    assert state.status.state == "listening"


def test_partial_then_final_replaces_caption() -> None:
    state = OverlayState()
    state.apply(TranscriptPartial("customer", 1.0, 2.0, "this is the"))
    assert state.captions.lines["customer"].provisional
    state.apply(scenario.line("customer", 1.0, 3.0, "this is the third time", "negative"))
    caption = state.captions.lines["customer"]
    assert not caption.provisional and caption.sentiment == "negative"


def test_call_record_finds_the_line_at_a_time() -> None:
    record = CallRecord.from_events(scenario.full_call())
    assert record.summary is not None and record.duration == 50.0
    assert len(record.transcripts) == 8
    assert len(record.moods["customer"]) == 5 and len(record.moods["agent"]) == 3
    assert record.transcripts[record.line_at(21.0) or 0].text.startswith("Honestly")
    assert record.line_at(49.5) == len(record.transcripts) - 1
    assert CallRecord().line_at(3.0) is None


def test_position_prefers_the_last_saved_existing_screen_and_clamps() -> None:
    screens = [("HDMI-1", (0, 0, 1920, 1080)), ("DP-2", (1920, 0, 1280, 1024))]
    positions = {"DP-2": [2000, 100], "HDMI-1": [50, 60]}
    assert choose_position(positions, screens, (380, 400)) == ("HDMI-1", 50, 60)
    moved = remember_position(positions, "DP-2", 3100, 900)
    assert list(moved) == ["HDMI-1", "DP-2"]
    assert choose_position(moved, screens, (380, 400)) == ("DP-2", 1920 + 1280 - 380, 1024 - 400)
    assert choose_position({"gone": [1, 2]}, screens, (380, 400)) is None
    assert default_position((0, 0, 1920, 1080), (380, 400)) == (1920 - 380 - 24, 24)


def test_a_third_speakers_mood_is_kept_in_the_record_and_not_metered() -> None:
    """Speaker separation may name an "other" speaker: nothing breaks on its events."""
    from agent_assist.events import MoodUpdate
    from agent_assist.ui.viewmodels import CallRecord, OverlayState

    other = MoodUpdate("other", 3.0, -0.5, "falling", False, "negative")  # type: ignore[arg-type]
    record = CallRecord.from_events([other])
    state = OverlayState()
    assert record.moods["other"] == [other]  # type: ignore[index]
    assert state.apply(other) == set()
    assert state.customer.score is None
