"""Batch analysis: what inputs are (and why not), call ids, worker count, dead workers."""

import errno
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from agent_assist import batch
from agent_assist.callnames import NameScrubber, name_calls, scrubbed_logs
from agent_assist.config import Config
from agent_assist.events import CallSummary
from agent_assist.redact import Redactor


def wav(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF....")
    return path


# ---------------------------------------------------------------- inputs


def test_special_files_name_their_real_problem(tmp_path):
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.wav"
    loop.symlink_to(loop)
    files, errors = batch.collect_inputs([fifo, Path("/dev/zero"), loop, tmp_path / "gone.wav"])
    assert files == []
    assert errors == [
        f"{fifo}: is a named pipe (FIFO), not a regular file",
        "/dev/zero: is a character device, not a regular file",
        f"{loop}: symbolic link loop (too many levels of links)",
        f"{tmp_path / 'gone.wav'}: file not found",
    ]


def test_special_entries_inside_a_folder_are_reported_not_skipped(tmp_path):
    good = wav(tmp_path / "calls" / "a.wav")
    os.mkfifo(tmp_path / "calls" / "pipe.wav")
    (tmp_path / "calls" / "loop.mp3").symlink_to(tmp_path / "calls" / "loop.mp3")
    (tmp_path / "calls" / "notes.txt").write_text("not audio, not reported")
    files, errors = batch.collect_inputs([tmp_path / "calls"])
    assert files == [good]
    folder = tmp_path / "calls"
    assert sorted(errors) == [
        f"{folder / 'loop.mp3'}: symbolic link loop (too many levels of links)",
        f"{folder / 'pipe.wav'}: is a named pipe (FIFO), not a regular file",
    ]


def test_unreadable_folders_say_so(tmp_path, monkeypatch):
    """Tests run as root (every folder is readable): the listing fails as it does for a user."""
    top = tmp_path / "locked"
    inner = tmp_path / "calls" / "private"
    wav(top / "x.wav")
    wav(inner / "y.wav")
    good = wav(tmp_path / "calls" / "a.wav")
    real_scandir = os.scandir

    def scandir(path):
        if Path(path) in (top, inner):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    files, errors = batch.collect_inputs([top, tmp_path / "calls"])
    assert files == [good]
    assert errors == [
        f"cannot read folder {top}: permission denied",
        f"cannot read folder {inner}: permission denied",
    ]


def test_symlinked_folder_loops_do_not_hang(tmp_path):
    good = wav(tmp_path / "calls" / "a.wav")
    (tmp_path / "calls" / "again").symlink_to(tmp_path / "calls")
    assert batch.collect_inputs([tmp_path / "calls"]) == ([good], [])


def test_a_file_given_twice_is_analysed_once(tmp_path):
    good = wav(tmp_path / "calls" / "a.wav")
    assert batch.collect_inputs([good, tmp_path / "calls", good]) == ([good], [])


def test_worker_count_is_capped_by_calls_and_cores(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert batch.worker_count(8, 2) == 2
    assert batch.worker_count(8, 100) == 4
    assert batch.worker_count(3, 100) == 3


# ---------------------------------------------------------------- call ids


def test_call_ids_are_redacted_unique_and_deterministic(tmp_path):
    files = [
        tmp_path / "a" / "call.wav",
        tmp_path / "b" / "call.wav",
        tmp_path / "+1 (415) 555-0132.wav",
        tmp_path / "4155550199.wav",
        tmp_path / "jane.wav",
    ]
    names = name_calls(files, Redactor().redact)
    ids = [n.id for n in names]
    assert len(set(ids)) == len(ids)
    assert ids == [n.id for n in name_calls(files, Redactor().redact)]
    # the part before the hash that tells equal names apart (a hash of the path, which may
    # itself hold "555": 'call-f555a9' under pytest-604) keeps none of the number's digits
    stems = [i.rsplit("-", 1)[0] if "-" in i else i for i in ids]
    assert all("555" not in i and "415" not in i and "0132" not in i for i in stems)
    assert ids[0].startswith("call-") and ids[1].startswith("call-") and ids[4] == "jane"
    assert "same name" in names[0].note and names[4].note == ""
    assert "redacted" in names[3].note
    kept = name_calls(files, None)
    assert kept[3].id == "4155550199" and kept[0].id != kept[1].id


def test_log_records_name_calls_by_id(tmp_path):
    path = tmp_path / "4155550132.wav"
    names = name_calls([path], Redactor().redact)
    scrubber = NameScrubber(names)
    assert (
        scrubber.scrub(f"{path}: 3 channels; {path.name}")
        == f"{names[0].id}: 3 channels; {names[0].id}"
    )
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    root = logging.getLogger()
    handler = Keep()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        with scrubbed_logs(names):
            logging.getLogger("agent_assist.audio.files").warning("%s: odd file", path)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert records == [f"{names[0].id}: odd file"]


# ---------------------------------------------------------------- dead workers


def summary(name: str) -> CallSummary:
    return CallSummary(name, 1.0, {"customer": 1.0}, 0.0, 0.0, 0.0, 0.0, {}, (), 1)


def waiting_call(path, models, config, on_event):
    """A call that, when named crash*, records the worker's pid and waits to be killed (the
    test kills it) or released."""
    if path.stem.startswith("crash"):
        (path.parent / "pids" / str(os.getpid())).write_text(path.name)
        for _ in range(600):
            if (path.parent / "release").exists():
                break
            time.sleep(0.05)
    on_event(summary(path.stem))


@pytest.fixture
def forked(monkeypatch, tmp_path):
    """Workers are forked, so they run these stand-ins for the models and the pipeline."""
    import multiprocessing

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the stand-ins reach the workers only when they are forked")
    monkeypatch.setattr(batch, "analyze_call", waiting_call)
    monkeypatch.setattr(batch, "load_models", lambda config: object())
    (tmp_path / "pids").mkdir()
    return tmp_path


def killer(folder: Path, kills: int) -> threading.Thread:
    """SIGKILLs the first ``kills`` workers that start a crash* call, then releases the rest."""

    def run() -> None:
        killed: set[str] = set()
        deadline = time.monotonic() + 120
        while len(killed) < kills and time.monotonic() < deadline:
            for pid in os.listdir(folder / "pids"):
                if pid not in killed:
                    os.kill(int(pid), signal.SIGKILL)
                    killed.add(pid)
            time.sleep(0.02)
        (folder / "release").touch()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def run_batch(files: list[Path]) -> dict[str, str | None]:
    results = list(batch.run_parallel(files, Config(), 2))
    assert sorted(r.path for r in results) == sorted(files)
    return {r.path.stem: r.error for r in results}


def test_a_killed_worker_is_retried_in_a_fresh_pool(forked):
    files = [wav(forked / f"{n}.wav") for n in ("a", "b", "crash", "c", "d")]
    thread = killer(forked, kills=1)
    errors = run_batch(files)
    thread.join(5)
    assert errors == dict.fromkeys(["a", "b", "crash", "c", "d"])
    assert len(os.listdir(forked / "pids")) == 2  # killed once, then done in a fresh worker


def test_a_call_that_kills_its_worker_twice_fails_alone(forked):
    files = [wav(forked / f"{n}.wav") for n in ("a", "crash", "b", "c")]
    thread = killer(forked, kills=2)
    errors = run_batch(files)
    thread.join(5)
    assert errors["a"] is None and errors["b"] is None and errors["c"] is None
    assert errors["crash"] == f"{files[1]}: {batch.WORKER_DIED}"
    assert len(os.listdir(forked / "pids")) == 2


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root and setpriv to drop the capabilities that bypass permissions",
)
def test_a_folder_the_user_cannot_read_is_named_not_called_empty():
    """For real: the CLI runs without root's power to read any folder (CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH dropped; still uid 0, so it can read the checkout wherever CI cloned
    it) over a folder whose mode lets nobody list it."""
    top = Path(tempfile.mkdtemp(prefix="agent-assist-", dir="/tmp"))
    try:
        wav(top / "calls" / "locked" / "call.wav")
        (top / "calls" / "locked").chmod(0o000)
        env = {**os.environ, "XDG_STATE_HOME": str(top / "state"), "HOME": str(top)}
        done = subprocess.run(
            ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
            + [sys.executable, "-m", "agent_assist", "analyze", str(top / "calls")],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=Path(__file__).resolve().parents[1],
            env=env,
        )
    finally:
        (top / "calls" / "locked").chmod(0o700)
        shutil.rmtree(top)
    assert done.returncode == 1
    assert (
        f"agent-assist: error: cannot read folder {top / 'calls' / 'locked'}: permission denied"
        in done.stderr.splitlines()
    )
    assert "no audio files" not in done.stderr
