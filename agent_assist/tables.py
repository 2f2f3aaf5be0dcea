"""Safe output files: CSV cells no spreadsheet runs as a formula, and private, atomic writes.

Every CSV the product writes (``analyze`` tables, ``summary.csv``, history and stats exports)
goes through ``csv_writer`` / ``csv_text``, whose text cells are neutralised the OWASP way: a
cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
``'``. Numbers stay numbers (``-0.5`` is written as is). Output files are written to a temporary
file in the same folder and moved into place (``write_private``), readable by the user only, so
a full disk or a crash never leaves a truncated result behind.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from agent_assist.errors import AgentAssistError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


class OutputError(AgentAssistError):
    """An output file cannot be written (full disk, no permission, missing folder)."""


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet will show it, never as a formula it would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class SafeDictWriter(csv.DictWriter):
    """``csv.DictWriter`` whose text cells are neutralised."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({key: safe_cell(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)


class SafeWriter:
    """``csv.writer`` whose text cells are neutralised."""

    def __init__(self, handle: IO[str], **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(value) for value in row])


def write_csv(
    handle: IO[str],
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
    header: bool = True,
) -> None:
    """Write ``rows`` (dicts keyed by ``columns``) to ``handle``, header first if asked."""
    writer = SafeDictWriter(handle, fieldnames=list(columns))
    if header:
        writer.writeheader()
    writer.writerows(rows)


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    write_csv(out, columns, rows)
    return out.getvalue()


def private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) readable by the user only; an existing folder is
    left as it is."""
    try:
        path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{path}: cannot create the folder ({os_reason(error)})") from None
    if not path.is_dir():
        raise OutputError(f"{path}: not a folder")


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (mode 0600) atomically: the old file or the whole new one,
    never a partial file. A device or pipe (``/dev/stdout``) is written to directly."""
    if _is_special(path):
        _write_direct(path, text)
        return
    try:
        descriptor, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise OutputError(f"{path}: cannot write ({os_reason(error)})") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, PRIVATE_FILE)
        os.replace(temp, path)
    except OSError as error:
        Path(temp).unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write ({os_reason(error)})") from None


def _is_special(path: Path) -> bool:
    try:
        return not stat.S_ISREG(path.stat().st_mode) and not path.is_dir()
    except OSError:
        return False


def _write_direct(path: Path, text: str) -> None:
    try:
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as error:
        raise OutputError(f"{path}: cannot write ({os_reason(error)})") from None


def os_reason(error: OSError) -> str:
    """The reason an ``OSError`` gives, in the words a user expects."""
    if error.errno == errno.ENOENT:
        return "no such file or folder"
    if error.errno == errno.ELOOP:
        return "symbolic link loop (too many levels of symbolic links)"
    return (error.strerror or str(error)).lower()
