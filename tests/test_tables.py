"""CSV cells a spreadsheet never runs, and atomic private writes (a real full disk included)."""

import csv
import io
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_assist import tables
from agent_assist.tables import OutputError, csv_text, safe_cell, write_private

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "cell",
    ["=1+1", '=HYPERLINK("http://x","y")', "+1 415 555", "-2+3", "@SUM(A1)", "\tx", "\r=1", "-"],
)
def test_formula_starts_are_neutralised(cell):
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", [-0.5, 3, "-0.5", "+1.25", "-12", "1e-3", "plain", "", "a=b"])
def test_numbers_and_plain_text_stay_as_they_are(cell):
    assert safe_cell(cell) == cell


@given(st.text())
def test_no_written_cell_starts_like_a_formula_unless_it_is_a_number(text):
    rows = list(csv.reader(io.StringIO(csv_text(["v"], [{"v": text}]))))
    cell = "".join(rows[1]) if len(rows) > 1 else ""
    assert not cell.startswith(tables.FORMULA_STARTS) or tables._NUMBER.fullmatch(cell)


def test_write_private_is_0600_and_replaces_the_old_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    target.chmod(0o644)
    write_private(target, "new\n")
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_partial_one(tmp_path, monkeypatch):
    target = tmp_path / "out.csv"
    target.write_text("old")

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError) as raised:
        write_private(target, "x" * 10_000)
    assert str(raised.value) == f"{target}: cannot write (no space left on device)"
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_private_dir_is_0700_when_created(tmp_path):
    folder = tmp_path / "new" / "results"
    tables.private_dir(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_dev_full_is_one_error_line():
    with pytest.raises(
        OutputError, match="^/dev/full: cannot write \\(no space left on device\\)$"
    ):
        write_private(Path("/dev/full"), "x" * 100_000)


FULL_DISK = """
import sys
from pathlib import Path
from agent_assist.tables import OutputError, write_private
target = Path(sys.argv[1]) / "result.csv"
try:
    write_private(target, "x" * 200_000)
except OutputError as error:
    print(error)
print(sorted(p.name for p in target.parent.iterdir()))
"""


@pytest.mark.skipif(shutil.which("unshare") is None or os.geteuid() != 0, reason="needs root")
def test_a_real_full_disk_leaves_no_partial_file(tmp_path):
    """A 64 KiB tmpfs in a private mount namespace: the write fails with ENOSPC."""
    disk = tmp_path / "disk"
    disk.mkdir()
    script = f"mount -t tmpfs -o size=64k tmpfs {disk} && {sys.executable} -c '{FULL_DISK}' {disk}"
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"{disk}/result.csv: cannot write (no space left on device)",
        "[]",
    ]
