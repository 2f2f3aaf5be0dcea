"""Cluster inputs: manifest rows with metadata, call ids, checksums and config fingerprints."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_assist.cluster.calls import (
    ManifestError,
    audio_files,
    calls_from_files,
    checksum,
    fingerprint,
    is_manifest,
    read_manifest,
)
from agent_assist.config import Config


def _manifest(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "calls.csv"
    path.write_text(text)
    return path


def test_manifest_rows_keep_their_order_ids_and_metadata(tmp_path):
    manifest = _manifest(
        tmp_path,
        "path,call_id,agent,team,queue,started_at\n"
        "a/one.wav,C-1,Ana,blue,billing,2026-11-02T09:15\n"
        "/abs/two.wav,,Ben,red,,2026-11-02T09:40\n",
    )
    calls, errors = read_manifest(manifest, None)
    assert errors == []
    assert [c.path for c in calls] == [tmp_path / "a" / "one.wav", Path("/abs/two.wav")]
    assert [c.id for c in calls] == ["C-1", "two"]
    assert calls[0].metadata == {
        "agent": "Ana", "team": "blue", "queue": "billing", "started_at": "2026-11-02T09:15"
    }  # fmt: skip
    assert calls[1].metadata["queue"] == ""


def test_manifest_ids_without_call_id_are_redacted_like_local_analyze(tmp_path):
    manifest = _manifest(tmp_path, "path,agent\ncalls/5551234567.wav,Ana\n")
    calls, _ = read_manifest(manifest, lambda text: text.replace("5551234567", "[PHONE]"))
    assert calls[0].id == "[PHONE]" and calls[0].note == "name redacted"


def test_manifest_rows_that_cannot_be_used_are_named_one_line_each(tmp_path):
    manifest = _manifest(
        tmp_path,
        "path,call_id\none.wav,C1\ntwo.wav,C1\nthree.wav,../etc\n,C9\nfour.wav,summary\n",
    )
    calls, errors = read_manifest(manifest, None)
    assert [c.id for c in calls] == ["C1"]
    assert errors == [
        f"{manifest}: line 3: call_id 'C1' used twice",
        f"{manifest}: line 4: call_id '../etc' cannot name a file",
        f"{manifest}: line 5: no path",
        f"{manifest}: line 6: call_id 'summary' cannot name a file",
    ]


def test_a_manifest_without_a_path_column_is_refused(tmp_path):
    with pytest.raises(ManifestError, match="needs a 'path' column"):
        read_manifest(_manifest(tmp_path, "file,agent\none.wav,Ana\n"), None)
    with pytest.raises(ManifestError, match="cannot read the manifest"):
        read_manifest(tmp_path / "missing.csv", None)


def test_folders_give_their_audio_files_once_and_bad_entries_stay_in(tmp_path):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    for name in ("b.wav", "a.flac", "notes.txt", "sub/c.mp3"):
        (tmp_path / "in" / name).write_bytes(b"x")
    (tmp_path / "empty").mkdir()
    files, errors = audio_files(
        [tmp_path / "in", tmp_path / "in" / "a.flac", tmp_path / "missing.wav", tmp_path / "empty"]
    )
    assert [f.relative_to(tmp_path).as_posix() for f in files] == [
        "in/a.flac", "in/b.wav", "in/sub/c.mp3", "missing.wav"
    ]  # fmt: skip
    assert errors == [f"{tmp_path / 'empty'}: folder contains no audio files"]
    names = calls_from_files([tmp_path / "x" / "summary.wav", tmp_path / "calls.wav"], None)
    assert [c.id.split("-")[0] for c in names] == ["summary", "calls"]  # the run's own files
    assert all(len(c.id.split("-")[1]) == 6 for c in names)
    assert is_manifest([tmp_path / "m.CSV"]) and not is_manifest([tmp_path / "a.wav"])


def test_checksum_is_the_files_sha256(tmp_path):
    path = tmp_path / "a.wav"
    path.write_bytes(b"abc")
    assert checksum(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_fingerprint_ignores_thread_counts_but_not_what_changes_results():
    base = Config()
    threads = Config.model_validate({"asr": {"cpu_threads": 7}, "sentiment": {"threads": 3}})
    other = Config.model_validate({"privacy": {"redact_outputs": False}})
    assert fingerprint(base) == fingerprint(threads)
    assert fingerprint(base) != fingerprint(other)
