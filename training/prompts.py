"""Neutral service language nobody here wrote: the instructions among Asterisk's recorded English
phone prompts ("Press 7 to delete this message.", "To hear the next message press 6, ...").

Their text ships in Debian's ``asterisk-core-sounds-en`` (pinned below; CC-BY-SA 3.0), fetched
with ``apt-get download`` into ``data-cache/``. A prompt counts when it tells the caller to press,
dial or enter something: a rule, not our own reading of each line. Evaluation only (issue 26:
an IVR reading procedures must not pull a caller's mood down).
"""

from __future__ import annotations

import gzip
import re
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from training.data import CACHE, log

PACKAGE = ("asterisk-core-sounds-en", "1.6.1-1")
MEMBER = "usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz"
_INSTRUCTION = re.compile(r"\b(press|dial|enter)\b", re.IGNORECASE)
_NOTE = re.compile(r"\([^)]*\)")  # "(simple tone sound plays)"


def _text_file() -> Path:
    target = CACHE / "asterisk" / Path(MEMBER).name
    if target.is_file():
        return target
    name, version = PACKAGE
    log(f"fetching {name}={version} (apt-get download)")
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(
            ["apt-get", "download", f"{name}={version}"],
            cwd=work,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        (deb,) = Path(work).glob("*.deb")
        subprocess.run(["dpkg-deb", "-x", str(deb), work], check=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        (Path(work) / MEMBER).replace(target)
    return target


def by_name(lines: Iterable[str]) -> dict[str, str]:
    """Each prompt's text by its name, from ``name: text`` lines, without stage notes."""
    out: dict[str, str] = {}
    for line in lines:
        name, sep, text = line.partition(":")
        name = name.strip()
        if sep and name and " " not in name:
            out[name] = " ".join(_NOTE.sub(" ", text).split())
    return out


def parse(lines: list[str]) -> list[str]:
    """The instructions among ``name: text`` prompt lines, without stage notes, each once."""
    return list(dict.fromkeys(t for t in by_name(lines).values() if _INSTRUCTION.search(t)))


def phone_prompts() -> list[str]:
    with gzip.open(_text_file(), "rt", encoding="utf-8", errors="replace") as handle:
        return parse(handle.read().splitlines())
