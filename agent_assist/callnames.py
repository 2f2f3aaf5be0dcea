"""Names for recorded calls that carry no personal data, and a log filter that uses them.

A call file's stem is often a phone number or a customer's name. Outputs, ``summary.csv`` and
the log name a call by its *id*: the stem redacted (the configured ``Redactor``, then any run of
three or more digits becomes ``#``), made unique within the batch by a short hash of the path
when two inputs would share it (``a/call.wav`` and ``b/call.wav``).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_DIGITS = re.compile(r"\d{3,}")
_UNSAFE = re.compile(r'[\x00-\x1f/\\:*?"<>|]')
HASH_CHARS = 6
"""Hex digits of the path hash: enough to tell calls apart, too few to identify a number."""


@dataclass(frozen=True)
class CallName:
    path: Path
    id: str
    note: str = ""
    """Why ``id`` differs from the file's stem (for ``summary.csv``), or empty."""


def redact_stem(stem: str, redact: Callable[[str], str] | None) -> str:
    """The stem with PII replaced; ``redact`` None keeps it (``--no-redact``)."""
    name = stem
    if redact is not None:
        name = _DIGITS.sub("#", redact(stem))
    return _UNSAFE.sub("_", name).strip(" .") or "call"


def path_hash(path: Path, length: int = HASH_CHARS) -> str:
    return hashlib.sha256(path.as_posix().encode("utf-8", "surrogateescape")).hexdigest()[:length]


def name_calls(
    files: Sequence[Path], redact: Callable[[str], str] | None, reserved: Collection[str] = ()
) -> list[CallName]:
    """One unique, deterministic id per file (same inputs, same ids); ``reserved`` ids (the
    summary file's name) are never used as they are."""
    bases = [redact_stem(path.stem, redact) for path in files]
    counts = Counter(bases)
    names: list[CallName] = []
    used: set[str] = set()
    for path, base in zip(files, bases, strict=True):
        notes = [] if base == path.stem else ["name redacted"]
        call_id = base
        if counts[base] > 1 or base in reserved:
            call_id = _unique(base, path, used)
            notes.append("another file has the same name: suffix from a hash of its path")
        used.add(call_id)
        names.append(CallName(path, call_id, "; ".join(notes)))
    return names


def _unique(base: str, path: Path, used: set[str]) -> str:
    for length in range(HASH_CHARS, 65):
        candidate = f"{base}-{path_hash(path, length)}"
        if candidate not in used:
            return candidate
    raise ValueError(f"two inputs share the path {path}")  # identical paths only


class NameScrubber(logging.Filter):
    """Replaces call file paths and names in log records with the calls' ids."""

    def __init__(self, names: Sequence[CallName]) -> None:
        super().__init__()
        pairs: dict[str, str] = {}
        for name in names:
            for form in (str(name.path), str(name.path.absolute()), name.path.name):
                pairs.setdefault(form, name.id)
        self._pairs = sorted(pairs.items(), key=lambda pair: len(pair[0]), reverse=True)

    def scrub(self, text: str) -> str:
        for raw, call_id in self._pairs:
            if raw in text:
                text = text.replace(raw, call_id)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


@contextmanager
def scrubbed_logs(names: Sequence[CallName]) -> Iterator[NameScrubber]:
    """Install a ``NameScrubber`` on every root handler (so it sees every logger's records)."""
    scrubber = NameScrubber(names)
    handlers = list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(scrubber)
    try:
        yield scrubber
    finally:
        for handler in handlers:
            handler.removeFilter(scrubber)
