import pytest

from agent_assist import config
from agent_assist.errors import ConfigError


def test_defaults_round_trip(tmp_path):
    path = tmp_path / "config.toml"
    cfg = config.Config()
    cfg.asr.beam_size = 3
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
    with pytest.raises(ConfigError, match=f"^{missing}: config file does not exist$"):
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


def test_assignment_is_validated():
    cfg = config.Config()
    with pytest.raises(ValueError):
        cfg.vad.threshold = 2.0
