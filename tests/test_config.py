import re

import pytest
from pydantic import ValidationError

from agent_assist import config
from agent_assist.errors import ConfigError


def test_defaults_round_trip(tmp_path):
    path = tmp_path / "config.toml"
    cfg = config.Config.model_validate({"asr": {"beam_size": 3}})
    config.save(cfg, path)
    assert config.load(path) == cfg


def test_beam_follows_the_profile_unless_set():
    assert config.AsrConfig(profile="fast").beam == 5
    assert config.AsrConfig(profile="accurate").beam == 1
    assert config.AsrConfig(profile="accurate", beam_size=4).beam == 4


def test_missing_default_user_file_gives_defaults(tmp_path, monkeypatch):
    monkeypatch.setattr(config.paths, "user_config_dir", lambda: tmp_path / "none")
    assert config.load() == config.Config()


def test_missing_explicit_config_file_is_an_error_naming_it(tmp_path):
    missing = tmp_path / "nope.toml"
    expected = f"^{re.escape(str(missing))}: config file does not exist$"
    with pytest.raises(ConfigError, match=expected):
        config.load(missing)


def test_explicit_config_that_is_a_folder_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not a regular file"):
        config.load(tmp_path)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[asr]\nbeam_size = -1\n", "asr.beam_size"),
        ("[asr]\nbeamsize = 3\n", "asr.beamsize"),
        ("[privacy]\nhistory = 'maybe'\n", "privacy.history"),
        ("[nonsense]\nx = 1\n", "nonsense"),
        ("[ui]\ntheme = 'pink'\n", "ui.theme"),
    ],
)
def test_invalid_values_name_the_key(tmp_path, text, key):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        config.load(path)
    message = str(info.value)
    assert f": {key}:" in message and str(path) in message and "\n" not in message


def test_broken_toml_names_the_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[asr\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.load(path)


@pytest.mark.parametrize("key", config.all_keys())
def test_the_config_cannot_be_changed_in_place(key):
    cfg = config.Config()
    section, name = key.split(".", 1)
    with pytest.raises(ValidationError, match="frozen"):
        setattr(getattr(cfg, section), name, config.get_value(cfg, key))
    with pytest.raises(ValidationError, match="frozen"):
        setattr(cfg, section, getattr(cfg, section))


def test_the_loaded_config_cannot_be_changed_in_place(tmp_path):
    user = tmp_path / "user.toml"
    user.write_text('[privacy]\nredact_keep = ["ORD-[0-9]+"]\n')
    loaded = config.load_layered(user)
    with pytest.raises(AttributeError):
        loaded.config = config.Config()  # type: ignore[misc]
    with pytest.raises(TypeError):
        loaded.origins["privacy.redact_keep"] = "default"  # type: ignore[index]
    with pytest.raises(AttributeError):  # a tuple: no keep pattern slips past the check
        loaded.config.privacy.redact_keep.append(".*")  # type: ignore[attr-defined]
    assert loaded.config.privacy.redact_keep == ("ORD-[0-9]+",)


def test_with_values_gives_a_checked_copy():
    cfg = config.Config()
    changed = config.with_values(cfg, {"vad.threshold": 0.5, "ui.compact": True})
    assert (changed.vad.threshold, changed.ui.compact) == (0.5, True)
    assert (cfg.vad.threshold, cfg.ui.compact) == (0.35, False)
    with pytest.raises(ConfigError, match="vad.threshold"):
        config.with_values(cfg, {"vad.threshold": 2.0})
    with pytest.raises(ConfigError, match="unknown config key 'vad.nope'"):
        config.with_values(cfg, {"vad.nope": 1})


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[privacy]\nhistory = 'yes'\n", "privacy.history"),
        ("[privacy]\nhistory = 1\n", "privacy.history"),
        ("[privacy]\nretention_days = '30'\n", "privacy.retention_days"),
        ("[privacy]\nretention_days = 7.0\n", "privacy.retention_days"),
        ("[asr]\nbeam_size = true\n", "asr.beam_size"),
        ("[vad]\nthreshold = '0.4'\n", "vad.threshold"),
        ("[ui]\npositions = { overlay = ['10', '20'] }\n", "ui.positions.overlay.0"),
        ("[privacy]\nredact_keep = 'ORD-\\\\d+'\n", "privacy.redact_keep"),
        ("[asr]\nlanguage = 1\n", "asr.language"),
    ],
)
def test_values_are_not_coerced(tmp_path, text, key):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=rf": {re.escape(key)}: "):
        config.load(path)


def test_an_integer_is_still_a_number(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[vad]\nmax_utterance_s = 12\n[ui]\nscale = 2\n")
    loaded = config.load(path)
    assert loaded.vad.max_utterance_s == 12.0 and loaded.ui.scale == 2.0


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("vad.min_speech_ms", 10**9),
        ("vad.hangover_ms", 10**9),
        ("vad.tail_ms", 60_000),
        ("vad.ending_ms", 60_000),
        ("vad.pre_roll_ms", 60_000),
        ("audio.queue_seconds", 1e9),
        ("audio.max_lag_s", 1e9),
        ("mood.trend_window_s", 1e9),
        ("mood.trend_threshold", 3.0),
        ("asr.log_prob_threshold", -1e9),
        ("asr.compression_ratio_threshold", 1e9),
        ("asr.no_speech_threshold", float("inf")),
        ("mood.smoothing", float("nan")),
    ],
)
def test_numbers_have_upper_and_lower_bounds(key, value):
    section, name = key.split(".")
    with pytest.raises(ConfigError, match=rf"^cfg: {re.escape(key)}: "):
        config.from_dict({section: {name: value}}, "cfg")


def test_every_number_is_bounded_on_both_sides():
    """A new numeric field must say its range: an unbounded value is never sensible here."""
    for key in config.all_keys():
        section, name = key.split(".")
        field = config.Config.model_fields[section].annotation.model_fields[name]
        if field.annotation in (int, float):
            kinds = {type(m).__name__ for m in field.metadata}
            assert kinds & {"Ge", "Gt"} and kinds & {"Le", "Lt"}, key


@pytest.mark.parametrize(
    ("sums", "needle"),
    [
        ({"../model.onnx": "a" * 64}, "'../model.onnx' is not a file name in the model folder"),
        ({"model.onnx": "a" * 63}, "model.onnx: 'aaa"),
        ({"model.onnx": 12}, "Input should be a valid string"),
    ],
)
def test_model_checksums_are_file_names_and_sha256s(sums, needle):
    with pytest.raises(ConfigError, match=r"^cfg: sentiment\.model_sha256") as info:
        config.from_dict({"sentiment": {"model_sha256": sums}}, "cfg")
    assert needle in str(info.value)


def test_model_checksums_are_kept_lower_case():
    loaded = config.from_dict({"sentiment": {"model_sha256": {"model.onnx": "AB" * 32}}})
    assert loaded.sentiment.model_sha256 == {"model.onnx": "ab" * 32}


@pytest.mark.parametrize(
    ("keep", "needle"),
    [
        ([".*"], "pattern '.*' would keep a card number"),
        (["[0-9]+"], "would keep"),
        (["(a"], "invalid regex '(a'"),
        (["[0-9]{4}"], "would keep a card number read in groups"),
    ],
)
def test_unsafe_keep_patterns_are_config_errors(tmp_path, keep, needle):
    path = tmp_path / "config.toml"
    path.write_text(f"[privacy]\nredact_keep = {keep!r}\n".replace('"', "'"))
    with pytest.raises(ConfigError) as info:
        config.load(path)
    message = str(info.value)
    assert message.startswith(f"{path}: privacy.redact_keep: ") and needle in message
    assert "\n" not in message and message.count("privacy.redact_keep") == 1


def test_safe_keep_patterns_load():
    loaded = config.from_dict({"privacy": {"redact_keep": ["ORD-[0-9]+", "TKT[A-Z]{3}"]}})
    assert loaded.privacy.redact_keep == ("ORD-[0-9]+", "TKT[A-Z]{3}")
