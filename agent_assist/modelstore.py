"""The model manifest: which model files we use, where they come from, and their checksums.

``models/manifest.toml`` lists every model. Each file names its sha256 and its source parts:
``pkg:<module>/<path>`` (a file inside an installed registry package) or ``repo:<path>`` (a
file under our ``models/`` folder). A file made of several parts (the split Whisper ``base``
weights) is assembled once into the user data dir and verified there. A folder
``models/<name>/`` that already holds every file (our own models, or a PyInstaller bundle)
is used as it is.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from agent_assist import config as config_module
from agent_assist import paths
from agent_assist.errors import ModelError

log = logging.getLogger(__name__)
_CHUNK = 1 << 20
_verified: dict[tuple[str, int, int], str] = {}


@dataclass(frozen=True)
class ModelFile:
    path: str
    sha256: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class ModelSpec:
    name: str
    kind: str
    license: str
    source: str
    files: tuple[ModelFile, ...]
    profile: str = ""


def manifest_path() -> Path:
    return paths.models_dir() / "manifest.toml"


def load_manifest(path: Path | None = None) -> list[ModelSpec]:
    path = path or manifest_path()
    data = config_module.read_toml(path)
    specs = []
    for entry in data.get("model", []):
        try:
            files = tuple(
                ModelFile(f["path"], f["sha256"], tuple(f["parts"])) for f in entry["files"]
            )
            specs.append(
                ModelSpec(
                    name=entry["name"],
                    kind=entry["kind"],
                    license=entry["license"],
                    source=entry["source"],
                    files=files,
                    profile=entry.get("profile", ""),
                )
            )
        except (KeyError, TypeError) as error:
            raise ModelError(f"{path}: model entry is missing key {error}") from None
    return specs


def find_spec(name: str, manifest: Path | None = None) -> ModelSpec:
    for spec in load_manifest(manifest):
        if spec.name == name:
            return spec
    raise ModelError(f"{manifest or manifest_path()}: no model named {name!r}")


def file_sha256(path: Path) -> str:
    """sha256 of the file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    """``file_sha256``, remembered while the file's size and mtime stay the same."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _verified:
        _verified[key] = file_sha256(path)
    return _verified[key]


def resolve_part(part: str) -> Path:
    kind, _, rest = part.partition(":")
    if kind == "repo":
        return paths.models_dir() / rest
    if kind == "pkg":
        module, _, relative = rest.partition("/")
        found = importlib.util.find_spec(module)
        if found is None or found.origin is None:
            raise ModelError(f"model package {module!r} is not installed")
        return Path(found.origin).parent / relative
    raise ModelError(f"unknown model source {part!r} (expected pkg: or repo:)")


def _check(path: Path, expected: str, name: str) -> None:
    if not path.is_file():
        raise ModelError(f"model {name}: file {path} is missing")
    actual = sha256_of(path)
    if actual != expected:
        raise ModelError(f"model {name}: checksum mismatch for {path} (file is corrupt or altered)")


def verify_custom(folder: Path, required: Sequence[str], sums: Mapping[str, str], key: str) -> None:
    """Check a model folder the config points at (``key``, e.g. ``sentiment.model_path``)
    against the sha256 sums the config gives for it (``<section>.model_sha256``).

    Every ``required`` file needs a sum; every file with a sum must match. One-line
    ``ModelError`` otherwise."""
    section = key.rsplit(".", 1)[0]
    if not folder.is_dir():
        raise ModelError(f"{key}: model folder {folder} not found")
    missing = [name for name in required if name not in sums]
    if missing:
        raise ModelError(
            f"{key}: custom model {folder} has no checksum for {', '.join(missing)};"
            f" set {section}.model_sha256 = {{ \"<file>\" = \"<sha256>\", ... }}"
            " (sha256sum prints them)"
        )
    for name, expected in sums.items():
        path = folder / name
        if not path.is_file():
            raise ModelError(f"{key}: file {path} is missing")
        if sha256_of(path) != expected:
            raise ModelError(
                f"{key}: checksum mismatch for {path} (file is corrupt or altered, or"
                f" {section}.model_sha256 is out of date)"
            )
    log.info("custom model %s: %d file(s) verified", folder, len(sums))


def _bundled_dir(spec: ModelSpec) -> Path | None:
    folder = paths.models_dir() / spec.name
    if all((folder / f.path).is_file() for f in spec.files):
        return folder
    return None


def assembled_dir(spec: ModelSpec) -> Path:
    return paths.user_data_dir() / "models" / spec.name


def _assemble(spec: ModelSpec, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for item in spec.files:
        target = folder / item.path
        if target.is_file() and sha256_of(target) == item.sha256:
            continue
        log.info("assembling %s from %d part(s)", target, len(item.parts))
        tmp = target.with_name(target.name + ".partial")
        with tmp.open("wb") as out:
            for part in item.parts:
                with resolve_part(part).open("rb") as src:
                    shutil.copyfileobj(src, out, _CHUNK)
        _check(tmp, item.sha256, spec.name)
        tmp.replace(target)


def locate(spec: ModelSpec) -> Path:
    """Return a folder that holds every file of ``spec``, each verified by sha256."""
    folder = _bundled_dir(spec)
    if folder is None and all(len(f.parts) == 1 for f in spec.files):
        folders = {resolve_part(f.parts[0]).parent for f in spec.files}
        names_match = all(resolve_part(f.parts[0]).name == Path(f.path).name for f in spec.files)
        if len(folders) == 1 and names_match:
            folder = folders.pop()
    if folder is None:
        folder = assembled_dir(spec)
        _assemble(spec, folder)
    for item in spec.files:
        _check(folder / item.path, item.sha256, spec.name)
    return folder


def locate_file(spec: ModelSpec, path: str) -> Path:
    return locate(spec) / path


@dataclass(frozen=True)
class ModelReport:
    spec: ModelSpec
    location: Path | None
    size: int
    ok: bool
    problem: str = ""


def check(spec: ModelSpec) -> ModelReport:
    """Locate and verify one model without raising: for ``agent-assist models`` and ``doctor``."""
    try:
        folder = locate(spec)
    except (ModelError, OSError) as error:
        return ModelReport(spec, None, 0, False, str(error))
    size = sum((folder / f.path).stat().st_size for f in spec.files)
    return ModelReport(spec, folder, size, True)
