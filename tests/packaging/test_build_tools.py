"""The build script's pieces that need no PyInstaller run: model staging, trimming, size report."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from tests.packaging.conftest import REPO


def load(name: str) -> ModuleType:
    """packaging/<name>.py by path ("build" would clash with the PyPI package of that name)."""
    path = REPO / "packaging" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"agent_assist_packaging_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


sys.path.insert(0, str(REPO / "packaging"))  # build.py and the spec import trim by name
trim = load("trim")
build = load("build")


@pytest.mark.parametrize(
    ("dest", "drop"),
    [
        ("PySide6/Qt/translations/qtbase_de.qm", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", True),
        ("PySide6/Qt/plugins/platforms/libqeglfs.so", True),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", False),
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", False),
        ("PySide6\\plugins\\platforms\\qwindows.dll", False),
        ("PySide6\\plugins\\platforms\\qdirect2d.dll", True),
        ("PySide6\\translations\\qtbase_de.qm", True),
        ("PySide6\\Qt6Widgets.dll", False),
        ("PySide6/Qt/plugins/platforms/libqcocoa.dylib", False),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", False),
        ("PySide6/Qt/plugins/imageformats/libqtiff.so", True),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", True),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", False),
        ("numpy/_core/tests/test_api.py", True),
        ("onnxruntime/capi/onnxruntime_pybind11_state.so", False),
        ("models/whisper-base/model.bin", False),
    ],
)
def test_trim_rules(dest, drop):
    assert trim.dropped(dest) is drop


def test_torch_and_training_stack_are_excluded():
    for name in ("torch", "transformers", "scipy", "pytest", "ctranslate2.converters"):
        assert name in trim.EXCLUDES


def test_orphaned_libraries_of_dropped_plugins_are_pruned(monkeypatch):
    imports = {
        "/src/libqgtk3.so": {"libgtk-3.so.0", "libcairo.so.2", "libQt6Gui.so.6"},
        "/src/libqxcb.so": {"libQt6Gui.so.6", "libX11.so.6"},
    }
    monkeypatch.setattr(trim, "_imports", lambda src: imports.get(src, set()))
    monkeypatch.setattr(trim.sys, "platform", "linux")
    entries = [
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "/src/libqgtk3.so", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/src/libqxcb.so", "BINARY"),
        ("libcairo.so.2", "/src/libcairo.so.2", "BINARY"),
        ("libgtk-3.so.0", "/src/libgtk-3.so.0", "BINARY"),
        ("libQt6Gui.so.6", "/src/libQt6Gui.so.6", "BINARY"),
        ("libportaudio.so.2", "/src/libportaudio.so.2", "BINARY"),
    ]
    kept = {dest for dest, _, _ in trim.prune_binaries(entries)}
    xcb = "PySide6/Qt/plugins/platforms/libqxcb.so"
    assert kept == {xcb, "libQt6Gui.so.6", "libportaudio.so.2"}


def write_manifest(tmp_path: Path, parts: list[bytes]) -> Path:
    models = tmp_path / "models"
    (models / "parts").mkdir(parents=True)
    names = []
    for i, data in enumerate(parts):
        (models / "parts" / f"p{i}").write_bytes(data)
        names.append(f"'repo:parts/p{i}'")
    digest = hashlib.sha256(b"".join(parts)).hexdigest()
    text = f"""
[[model]]
name = "whisper-x"
kind = "whisper"
profile = "accurate"
license = "MIT"
source = "test"
[[model.files]]
path = "model.bin"
sha256 = "{digest}"
parts = [{", ".join(names)}]

[[model]]
name = "whisper-y"
kind = "whisper"
profile = "fast"
license = "MIT"
source = "test"
files = []

[[model]]
name = "vad"
kind = "vad"
license = "MIT"
source = "test"
files = []
"""
    (models / "manifest.toml").write_text(text)
    return models


@pytest.fixture
def fake_repo(tmp_path, monkeypatch):
    def make(parts: list[bytes]) -> Path:
        models = write_manifest(tmp_path, parts)
        monkeypatch.setenv("AGENT_ASSIST_HOME", str(tmp_path))
        (tmp_path / "resources").mkdir(exist_ok=True)
        monkeypatch.setattr(build, "MANIFEST", models / "manifest.toml")
        return tmp_path / "staging"

    return make


def test_split_model_is_assembled_and_verified_at_build_time(fake_repo):
    staging = fake_repo([b"first half ", b"second half"])
    names = build.stage_models(staging, {"accurate"})
    assert names == ["whisper-x", "vad"]
    assembled = staging / "models" / "whisper-x" / "model.bin"
    assert assembled.read_bytes() == b"first half second half"
    manifest = tomllib.loads((staging / "models" / "manifest.toml").read_text())
    assert [m["name"] for m in manifest["model"]] == ["whisper-x", "vad"]


def test_corrupt_part_fails_the_build(fake_repo, tmp_path):
    staging = fake_repo([b"first half ", b"second half"])
    (tmp_path / "models" / "parts" / "p1").write_bytes(b"tampered!!!")
    with pytest.raises(build.BuildError, match="checksum mismatch for model.bin"):
        build.stage_models(staging, {"accurate"})
    assert not (staging / "models" / "whisper-x" / "model.bin").exists()


def test_unknown_profile_fails_the_build(fake_repo):
    staging = fake_repo([b"x"])
    with pytest.raises(build.BuildError, match="no Whisper model for profile"):
        build.stage_models(staging, {"huge"})


def test_size_report_groups_parts(tmp_path):
    app = tmp_path / "agent-assist"
    (app / "_internal" / "models" / "whisper-base").mkdir(parents=True)
    (app / "_internal" / "models" / "whisper-base" / "model.bin").write_bytes(b"x" * 3_000_000)
    (app / "_internal" / "numpy").mkdir()
    (app / "_internal" / "numpy" / "core.so").write_bytes(b"x" * 1_000_000)
    (app / "agent-assist").write_bytes(b"x" * 10)
    lines = build.size_report(app)
    assert lines[1].startswith("total: 4 MiB (4 MB) in 3 files")
    assert "models/whisper-base" in lines[4] and "numpy" in lines[5]


def test_whisper_weights_are_requantized_and_the_manifest_follows(fake_repo, tmp_path):
    import numpy as np

    quantize = load("quantize")
    model = quantize.Model(
        "WhisperSpec",
        3,
        [
            quantize.Variable("decoder/embeddings/weight", np.full((3, 4), 0.5, dtype=np.float16)),
        ],
        [],
    )
    source = tmp_path / "float16.bin"
    quantize.write_model(model, source)
    data = source.read_bytes()
    staging = fake_repo([data[:10], data[10:]])
    build.stage_models(staging, {"accurate"}, int8=True)
    staged = staging / "models" / "whisper-x" / "model.bin"
    variables = {v.name: v.value for v in quantize.read_model(staged).variables}
    assert variables["decoder/embeddings/weight"].dtype == np.int8
    entry = tomllib.loads((staging / "models" / "manifest.toml").read_text())["model"][0]
    assert entry["files"][0]["sha256"] == hashlib.sha256(staged.read_bytes()).hexdigest()
    assert hashlib.sha256(data).hexdigest() in entry["source"]
    build.stage_models(staging, {"accurate"}, int8=False)  # a float16 build restores the original
    assert staged.read_bytes() == data
