"""``agent-assist sentiment``: score text lines (stdin, a file, or a CSV column) as JSON lines.

Input is read as bytes: a line that is not valid UTF-8 is scored with its bad bytes replaced
(U+FFFD) and counted in one warning at the end, so one bad line never stops a long survey;
binary data (a NUL byte) or an unreadable file is one error line. The echoed text is redacted
like every other output unless ``--no-redact`` (refused where IT locked ``privacy``).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from agent_assist.cli.shared import Flags, no_redact_flag, note_line, redactor_for
from agent_assist.config import LoadedConfig
from agent_assist.errors import AgentAssistError
from agent_assist.tables import os_reason

MAX_LINE_BYTES = 1 << 20
BATCH = 32


class TextSource:
    """The lines of a file or of stdin, decoded leniently; counts the lines it had to repair."""

    def __init__(self, file: str | None) -> None:
        self.name = file or "stdin"
        self.file = file
        self.replaced = 0
        self.handle = self._open()

    def _open(self) -> IO[bytes]:
        if self.file is None:
            return sys.stdin.buffer
        try:
            if Path(self.file).is_dir():
                raise AgentAssistError(f"{self.file}: is a folder, not a text file")
            return open(self.file, "rb")  # noqa: SIM115  (closed by lines())
        except OSError as error:
            raise AgentAssistError(f"{self.file}: cannot read ({os_reason(error)})") from None

    def lines(self) -> Iterator[str]:
        """Each line with its line ending, as text."""
        handle = self.handle
        try:
            number = 0
            while raw := self._read_line(handle, number + 1):
                number += 1
                yield self._decode(raw, number)
        finally:
            if self.file is not None:
                handle.close()

    def _read_line(self, handle: IO[bytes], number: int) -> bytes:
        try:
            raw = handle.readline(MAX_LINE_BYTES + 1)
        except OSError as error:
            raise AgentAssistError(f"{self.name}: cannot read ({os_reason(error)})") from None
        if b"\0" in raw:
            raise AgentAssistError(f"{self.name}: line {number}: binary data (NUL byte), not text")
        if len(raw) > MAX_LINE_BYTES:
            raise AgentAssistError(
                f"{self.name}: line {number} is longer than {MAX_LINE_BYTES >> 20} MiB; not text?"
            )
        return raw

    def _decode(self, raw: bytes, number: int) -> str:
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.replaced += 1
            return raw.decode("utf-8", errors="replace")


def texts(source: TextSource, column: str | None) -> Iterator[str]:
    if not column:
        for line in source.lines():
            yield line.rstrip("\r\n")
        return
    reader = csv.DictReader(source.lines())
    if reader.fieldnames is None or column not in reader.fieldnames:
        raise AgentAssistError(f"{source.name}: no column named {column!r}")
    for row in reader:
        yield row[column] or ""


def batched(items: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def config_flags(args: argparse.Namespace) -> Flags:
    return {"privacy.redact_outputs": no_redact_flag(args)}


def cmd_sentiment(args: argparse.Namespace, loaded: LoadedConfig) -> int:
    from agent_assist.sentiment.model import OnnxSentimentModel

    config = loaded.config
    redactor = redactor_for(config)
    source = TextSource(args.file)
    lines = texts(source, args.column)
    model = OnnxSentimentModel.from_config(config.sentiment)
    for batch in batched(lines, BATCH):
        for text, result in zip(batch, model.score(batch), strict=True):
            record = {
                "text": redactor.redact(text) if redactor else text,
                "label": result.label,
                "scores": result.scores,
                "emotion": result.emotion,
                "emotion_scores": result.emotion_scores,
            }
            print(json.dumps(record, ensure_ascii=False))
    if source.replaced:
        note_line(
            f"warning: {source.name}: {source.replaced} line(s) were not valid UTF-8;"
            " their bad bytes were replaced with U+FFFD"
        )
    return 0


def add_sentiment(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sentiment", help="score text lines (stdin, a file, or a CSV column)")
    p.add_argument("file", nargs="?", help="text or CSV file (default stdin)")
    p.add_argument("--column", help="score this column of a CSV file")
    p.add_argument("--no-redact", action="store_true", help="echo the text with PII kept")
    p.set_defaults(func=cmd_sentiment, config_flags=config_flags)
