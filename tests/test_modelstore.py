import hashlib

import pytest

from agent_assist import modelstore
from agent_assist.errors import ModelError


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A models/ folder with two part files and a manifest, and an isolated user data dir."""
    models = tmp_path / "models"
    (models / "parts").mkdir(parents=True)
    (models / "parts" / "a").write_bytes(b"hello ")
    (models / "parts" / "b").write_bytes(b"world")
    (models / "parts" / "cfg.json").write_bytes(b"{}")
    manifest = models / "manifest.toml"
    manifest.write_text(f"""
[[model]]
name = "split"
kind = "test"
license = "MIT"
source = "test"
[[model.files]]
path = "model.bin"
sha256 = "{sha(b"hello world")}"
parts = ["repo:parts/a", "repo:parts/b"]
[[model.files]]
path = "cfg.json"
sha256 = "{sha(b"{}")}"
parts = ["repo:parts/cfg.json"]
""")
    monkeypatch.setattr(modelstore.paths, "models_dir", lambda: models)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return models


def test_split_model_is_assembled_once_and_verified(store, tmp_path):
    spec = modelstore.find_spec("split")
    folder = modelstore.locate(spec)
    assert folder.is_relative_to(tmp_path / "data")
    assert (folder / "model.bin").read_bytes() == b"hello world"
    mtime = (folder / "model.bin").stat().st_mtime_ns
    assert modelstore.locate(spec) == folder
    assert (folder / "model.bin").stat().st_mtime_ns == mtime


def test_corrupt_part_is_a_checksum_error(store):
    (store / "parts" / "b").write_bytes(b"w0rld")
    with pytest.raises(ModelError, match="checksum mismatch"):
        modelstore.locate(modelstore.find_spec("split"))


def test_corrupted_assembled_file_is_rebuilt(store):
    spec = modelstore.find_spec("split")
    folder = modelstore.locate(spec)
    (folder / "model.bin").write_bytes(b"garbage")
    assert (modelstore.locate(spec) / "model.bin").read_bytes() == b"hello world"


def test_check_reports_instead_of_raising(store):
    (store / "parts" / "a").unlink()
    report = modelstore.check(modelstore.find_spec("split"))
    assert not report.ok and "parts/a" in report.problem


def test_unknown_model_and_package(store):
    with pytest.raises(ModelError, match="no model named"):
        modelstore.find_spec("nope")
    with pytest.raises(ModelError, match="not installed"):
        modelstore.resolve_part("pkg:no_such_package_xyz/file")


def test_real_manifest_verifies():
    """The shipped manifest's whisper tiny.en and VAD files verify in place (no copy)."""
    for name in ("whisper-tiny.en", "silero-vad-v6"):
        report = modelstore.check(modelstore.find_spec(name))
        assert report.ok, report.problem
        assert report.size > 1_000_000
