"""The calls of a cluster run: from folders and files, or from a manifest CSV with metadata.

A manifest has a header with at least ``path``; ``call_id`` (optional) names the call, every
other column (``agent``, ``team``, ``queue``, ``started_at`` ...) is metadata that flows into
``summary.csv`` and ``calls.parquet``. Relative paths are read from the manifest's folder.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_assist import __version__
from agent_assist.audio.files import AUDIO_SUFFIXES
from agent_assist.callnames import name_calls, redact_stem
from agent_assist.config import Config
from agent_assist.errors import AgentAssistError
from agent_assist.modelstore import file_sha256
from agent_assist.tables import os_reason

RESERVED = frozenset({"summary", "failures", "calls", "utterances"})
"""Names of the run's own files: never a call id as they are."""


class ManifestError(AgentAssistError):
    """A manifest CSV that cannot be used (missing ``path`` column, duplicate call ids)."""


@dataclass(frozen=True)
class ClusterCall:
    path: Path
    id: str
    note: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


def is_manifest(inputs: list[Path]) -> bool:
    return len(inputs) == 1 and inputs[0].suffix.lower() == ".csv"


def audio_files(inputs: list[Path]) -> tuple[list[Path], list[str]]:
    """Every file given, and every audio-named file under the folders given (sorted), each
    once; unreadable entries stay in, to fail as calls. Errors: folders with nothing to read."""
    files: list[Path] = []
    errors: list[str] = []
    for item in inputs:
        if not item.is_dir():
            files.append(item)
            continue
        found = sorted(
            Path(root) / name
            for root, _dirs, names in os.walk(item, onerror=lambda e: errors.append(_unread(e)))
            for name in names
            if Path(name).suffix.lower() in AUDIO_SUFFIXES
        )
        if not found:
            errors.append(f"{item}: folder contains no audio files")
        files += found
    unique: dict[Path, Path] = {}
    for path in files:
        unique.setdefault(path.resolve(), path)
    return list(unique.values()), errors


def _unread(error: OSError) -> str:
    return f"cannot read folder {error.filename}: {os_reason(error)}"


def calls_from_files(files: list[Path], redact: Any) -> list[ClusterCall]:
    """Calls named like local ``analyze`` names them (redacted, unique)."""
    return [
        ClusterCall(name.path, name.id, name.note)
        for name in name_calls(files, redact, reserved=RESERVED)
    ]


def read_manifest(manifest: Path, redact: Any) -> tuple[list[ClusterCall], list[str]]:
    """The manifest's calls (in its order) and one error line per unusable row."""
    try:
        with manifest.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
            columns = list(rows[0]) if rows else []
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ManifestError(f"{manifest}: cannot read the manifest ({error})") from None
    if "path" not in columns:
        raise ManifestError(f"{manifest}: the manifest needs a 'path' column (header: {columns})")
    base = manifest.parent
    paths = [_path(base, row["path"] or "") for row in rows]
    named = {n.path: n for n in name_calls(paths, redact, reserved=RESERVED)}
    calls: list[ClusterCall] = []
    errors: list[str] = []
    seen: set[str] = set()
    for line, (row, path) in enumerate(zip(rows, paths, strict=True), start=2):
        metadata = {k: v or "" for k, v in row.items() if k not in ("path", "call_id") and k}
        call_id = (row.get("call_id") or "").strip()
        if not row["path"]:
            errors.append(f"{manifest}: line {line}: no path")
            continue
        note = ""
        if not call_id:
            call_id, note = named[path].id, named[path].note
        elif redact_stem(call_id, None) != call_id or call_id in RESERVED:
            errors.append(f"{manifest}: line {line}: call_id {call_id!r} cannot name a file")
            continue
        if call_id in seen:
            errors.append(f"{manifest}: line {line}: call_id {call_id!r} used twice")
            continue
        seen.add(call_id)
        calls.append(ClusterCall(path, call_id, note, metadata))
    return calls, errors


def _path(base: Path, text: str) -> Path:
    path = Path(text.strip())
    return path if path.is_absolute() else base / path


def checksum(path: Path) -> str:
    """sha256 of the file's bytes (not cached: an archive is hashed once per run)."""
    return file_sha256(path)


def fingerprint(config: Config) -> str:
    """What decides a call's result: the config (less thread counts) and the version."""
    data = config.model_dump(mode="json")
    data["asr"]["cpu_threads"] = 0
    data["sentiment"]["threads"] = 0
    text = json.dumps({"version": __version__, "config": data}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
