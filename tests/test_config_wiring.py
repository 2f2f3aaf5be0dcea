"""Every setting is wired: each key of the config schema is read by the product, and a behaviour
test shows that changing it changes what the product does.

``WIRED`` maps every dotted key to that test. A new key without a row fails here; so does a row
whose test is gone (rows name a test function; one file defines it), and a key nothing in
``agent_assist`` reads. The tests for keys that had none are below the table.
"""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest

from agent_assist import config
from agent_assist.asr.whisper import WhisperTranscriber
from agent_assist.config import AsrConfig, Config, MoodConfig, SentimentConfig
from agent_assist.engine import CallEngine
from agent_assist.events import PipelineStatus
from agent_assist.mood import MoodTracker
from tests import factories
from tests.asr.test_whisper import LOUD, FakeModel, _segment
from tests.fakes import KeywordSentiment, RecordingGuidance, ScriptedTranscriber
from tests.test_engine import utterance

ROOT = Path(__file__).resolve().parents[1]

WIRED: dict[str, str] = {
    "asr.profile": "test_settings_saved_in_the_dialog_reach_the_next_start",
    "asr.model_path": "test_custom_model_directory_missing",
    "asr.model_sha256": "test_custom_model_with_corrupt_model_bin",
    "asr.device": "test_no_gpu_falls_back_to_cpu_with_a_clear_message",
    "asr.beam_size": "test_asr_decoding_settings_reach_the_decoder",
    "asr.cpu_threads": "test_models_load_once_per_worker_and_config",
    "asr.language": "test_asr_decoding_settings_reach_the_decoder",
    "asr.no_speech_threshold": "test_drafts_drop_silence_by_the_configured_thresholds",
    "asr.log_prob_threshold": "test_drafts_drop_silence_by_the_configured_thresholds",
    "asr.compression_ratio_threshold": "test_asr_decoding_settings_reach_the_decoder",
    "asr.partial_interval_s": (
        "test_live_input_decodes_each_utterance_at_once_with_captions_at_the_configured_pace"
    ),
    "asr.live_beam_size": "test_asr_decoding_settings_reach_the_decoder",
    "asr.live_window_s": "test_drafts_use_the_configured_live_window",
    "vad.threshold": "test_hysteresis_between_thresholds_neither_starts_nor_ends_silence",
    "vad.min_speech_ms": "test_minimum_speech_length",
    "vad.hangover_ms": "test_pause_shorter_than_hangover_keeps_one_utterance",
    "vad.tail_ms": "test_one_tone_burst_gets_pre_roll_and_trailing_pad",
    "vad.ending_ms": "test_the_ending_pause_is_at_most_the_tail",
    "vad.pre_roll_ms": "test_one_tone_burst_gets_pre_roll_and_trailing_pad",
    "vad.max_utterance_s": "test_continuous_speech_without_pauses_is_still_cut_at_the_limit",
    "audio.customer_device": "test_settings_saved_in_the_dialog_reach_the_next_start",
    "audio.agent_device": "test_default_sources_follow_the_config",
    "audio.stereo_left": "test_stereo_maps_left_to_agent_and_right_to_customer",
    "audio.mono_role": "test_mono_role_can_be_the_agent",
    "audio.queue_seconds": "test_the_live_queue_holds_the_configured_seconds",
    "audio.max_lag_s": "test_a_slow_transcriber_stops_partials_then_drops_audio_and_stays_bounded",
    "speakers.separate": "test_speaker_settings_come_from_the_config_file_too",
    "speakers.count": "test_the_speakers_section_reaches_the_settings",
    "speakers.max_speakers": "test_the_speakers_section_reaches_the_settings",
    "speakers.first_speaker": "test_speaker_settings_come_from_the_config_file_too",
    "speakers.model": "test_the_speaker_model_comes_from_the_config_file_or_the_flag",
    "speakers.min_role_confidence": "test_the_speakers_section_reaches_the_settings",
    "speakers.agent_phrases": "test_the_speakers_section_reaches_the_settings",
    "speakers.customer_phrases": "test_the_speakers_section_reaches_the_settings",
    "sentiment.model_path": (
        "test_a_custom_model_with_matching_checksums_scores_like_the_bundled_one"
    ),
    "sentiment.model_sha256": "test_a_custom_model_without_checksums_is_refused",
    "sentiment.threads": "test_sentiment_threads_reach_the_onnx_session",
    "sentiment.use_context": "test_the_previous_turn_is_sentiment_context_only_when_configured",
    "mood.smoothing": "test_mood_settings_shape_the_mood",
    "mood.trend_window_s": "test_mood_settings_shape_the_mood",
    "mood.trend_threshold": "test_mood_settings_shape_the_mood",
    "mood.negative_below": "test_mood_settings_shape_the_mood",
    "guidance.playbook": "test_playbook_over_the_phrase_bounds_fails_naming_file_rule_and_phrase",
    "guidance.enabled": "test_disabled_guidance_fires_nothing_but_keeps_track",
    "guidance.sensitivity": "test_sensitivity_scales_thresholds",
    "guidance.min_confidence": "test_unreliable_utterance_triggers_nothing",
    "guidance.max_visible": "test_cards_show_title_phrasing_trigger_up_to_max",
    "privacy.history": "test_feedback_and_call_go_to_history_when_on",
    "privacy.retention_days": "test_history_list_honours_the_retention_of_the_config_file_given",
    "privacy.voice_cues": "test_voice_cues_can_be_switched_off_and_mono_calls_get_none",
    "privacy.redact_overlay": "test_redacted_overlay",
    "privacy.redact_outputs": "test_output_is_redacted_unless_asked",
    "privacy.redact_keep": "test_history_export_redacts_with_the_config_file_given",
    "ui.opacity": "test_scale_and_theme_apply",
    "ui.scale": "test_scale_and_theme_apply",
    "ui.theme": "test_scale_and_theme_apply",
    "ui.compact": "test_every_default_rule_fits_three_at_a_time",
    "ui.click_through": "test_click_through_only_with_a_tray",
    "ui.show_agent_caption": "test_agent_caption_can_be_hidden",
    "ui.keyboard_shortcut": "test_the_app_grabs_the_configured_shortcut",
    "ui.positions": "test_an_old_config_s_positions_are_moved_once_and_no_longer_saved",
    "logging.level": "test_logging_level_in_the_config_file_decides_what_the_log_keeps",
}

NOT_READERS = {"config.py", "config_schema.py", "ui/settings.py"}
"""Where a key's name appears without the product acting on it (the schema, the dialog)."""


def defined_tests() -> dict[str, list[Path]]:
    """Each test function's name and the files that define it."""
    found: dict[str, list[Path]] = {}
    for path in (ROOT / "tests").rglob("test_*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                found.setdefault(node.name, []).append(path)
    return found


def test_every_setting_has_a_behaviour_test() -> None:
    assert sorted(WIRED) == sorted(config.all_keys())
    defined = defined_tests()
    for key, test in WIRED.items():
        assert len(defined.get(test, [])) == 1, f"{key}: {test} is not one test function"


def test_every_setting_is_read_by_the_product() -> None:
    read: set[str] = set()
    package = ROOT / "agent_assist"
    for module in package.rglob("*.py"):
        if str(module.relative_to(package)) in NOT_READERS:
            continue
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Attribute):
                read.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                read.add(node.value)
    unread = [key for key in config.all_keys() if key.split(".")[1] not in read and key not in read]
    assert unread == []


# ---------------------------------------------------------------- keys that had no test


def test_asr_decoding_settings_reach_the_decoder() -> None:
    asr = AsrConfig(beam_size=2, live_beam_size=3, compression_ratio_threshold=3.5, language="en")
    model = FakeModel(_segment("hello there"))
    model.model.is_multilingual = True
    transcriber = WhisperTranscriber(model, asr, "cpu", "int8", "fake")  # type: ignore[arg-type]
    transcriber.transcribe(LOUD)
    assert model.options["beam_size"] == 2
    assert model.options["compression_ratio_threshold"] == 3.5
    assert model.options["language"] == "en"
    transcriber.for_live().transcribe(LOUD)
    assert model.options["beam_size"] == 3
    german = AsrConfig(language="de")
    WhisperTranscriber(model, german, "cpu", "int8", "fake").transcribe(LOUD)  # type: ignore[arg-type]
    assert model.options["language"] == "de"


def test_the_live_queue_holds_the_configured_seconds() -> None:
    from agent_assist.live import LiveRunner
    from tests.live.helpers import Collector, FakeSource, fake_models, fast_config

    cfg = config.with_values(fast_config(), {"audio.queue_seconds": 7.5})
    events = Collector()
    runner = LiveRunner(cfg, events, models=fake_models(), sources=[FakeSource("customer")])
    runner.start()
    try:
        events.wait_for(lambda _: events.statuses("listening", "customer"))
        deadline = time.monotonic() + 10
        while getattr(runner, "feed", None) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert runner.feed.queue.max_seconds == 7.5
    finally:
        runner.stop()
    assert any(isinstance(e, PipelineStatus) and e.state == "stopped" for e in events.events)


def test_sentiment_threads_reach_the_onnx_session(monkeypatch: pytest.MonkeyPatch) -> None:
    from agent_assist.sentiment import model as sentiment_model

    seen: list[int] = []
    real = sentiment_model.OnnxSentimentModel.load

    def load(path: object, threads: int = 1, use_gpu: bool = False) -> object:
        seen.append(threads)
        return real(path, threads=threads, use_gpu=use_gpu)  # type: ignore[arg-type]

    monkeypatch.setattr(sentiment_model.OnnxSentimentModel, "load", load)
    sentiment_model.OnnxSentimentModel.from_config(SentimentConfig(threads=3))
    assert seen == [3]


def test_the_previous_turn_is_sentiment_context_only_when_configured() -> None:
    for use_context, contexts in ((True, [None, "how can I help"]), (False, [None, None])):
        cfg = Config.model_validate({"sentiment": {"use_context": use_context}})
        sentiment = KeywordSentiment()
        transcriber = ScriptedTranscriber(["how can I help", "it is terrible"])
        engine = CallEngine(transcriber, sentiment, RecordingGuidance(), cfg, "test-call")
        engine.on_utterance(utterance("agent", 0.0, 2.0))
        engine.on_utterance(utterance("customer", 3.0, 5.0))
        assert sentiment.contexts == contexts


def mood_run(**settings: float) -> list[tuple[float, str, str]]:
    """Four negative customer turns, two seconds apart: (score, trend, label) after each."""
    tracker = MoodTracker(MoodConfig(**settings))
    negative = factories.sentiment("negative", 0.9)
    text = "one two three four five six seven eight"
    updates = [
        tracker.update(factories.final(text, t, t + 1.0, "customer", negative, confidence=0.9))
        for t in (0.0, 2.0, 4.0, 6.0)
    ]
    return [(u.score, u.trend, u.label) for u in updates if u is not None]


def test_mood_settings_shape_the_mood() -> None:
    default = mood_run()
    assert default[-1][1:] == ("falling", "negative")
    assert mood_run(smoothing=1.0)[1][0] < default[1][0]  # the newest turn weighs more
    assert mood_run(negative_below=-1.0)[-1][2] != "negative"
    assert [trend for _, trend, _ in mood_run(trend_threshold=2.0)] == ["steady"] * 4
    short = mood_run(trend_window_s=0.5)  # no earlier score within half a second
    assert [trend for _, trend, _ in short] == ["steady"] * 4


@pytest.mark.parametrize("shortcut", ["Ctrl+Alt+J", "Ctrl+Shift+F9"])
def test_the_app_grabs_the_configured_shortcut(shortcut: str, qtbot: object) -> None:
    """The app's global shortcut is the configured one (``tests/ui/test_hotkey.py`` presses a
    real one under X11)."""
    from agent_assist.ui.app import AgentAssistApp
    from agent_assist.ui.devices import DeviceListing
    from tests.ui.conftest import FakeFactory

    cfg = Config.model_validate({"ui": {"keyboard_shortcut": shortcut}})
    app = AgentAssistApp(
        cfg,
        FakeFactory([]),
        save_config=lambda c: None,
        devices=lambda: DeviceListing(problem="no audio input devices found"),
    )
    app.show()
    try:
        assert app.hotkey is not None and app.hotkey.shortcut == shortcut
    finally:
        app.shutdown()
