"""Environment checks for ``agent-assist doctor``, and the support bundle of ``doctor --report``.

The bundle holds versions, the OS, audio and compute devices, model checksum states, the
effective config with the origin of each value, and the last log lines. It never holds call
content: no transcripts, no audio, nothing from the history database. It leaves the site, so
personal data is taken out on the way in: each log message goes through the ``Redactor`` (no
keep patterns) and loses the names and paths of audio files, and the user's home folder is
written ``~`` everywhere (its name is usually the user's).
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.metadata
import importlib.util
import os
import platform
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import re2

from agent_assist import __version__, logs, modelstore, paths
from agent_assist import config as config_module
from agent_assist.config import Config, LoadedConfig
from agent_assist.errors import AgentAssistError
from agent_assist.redact import Redactor

LOG_LINES = 300
PACKAGES = (
    ("faster-whisper", "faster_whisper"),
    ("ctranslate2", "ctranslate2"),
    ("onnxruntime", "onnxruntime"),
    ("PySide6-Essentials", "PySide6"),
    ("numpy", "numpy"),
    ("tokenizers", "tokenizers"),
    ("sounddevice", "sounddevice"),
    ("soundfile", "soundfile"),
    ("pydantic", "pydantic"),
    ("google-re2", "re2"),
)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True

    def line(self) -> str:
        state = "ok" if self.ok else "FAIL" if self.required else "warn"
        return f"[{state}] {self.name}: {self.detail}"


def check_config(loaded: LoadedConfig | None = None, error: str = "") -> list[Check]:
    if error:
        return [Check("config", False, error)]
    try:
        loaded = loaded or config_module.load_layered()
    except AgentAssistError as failure:
        return [Check("config", False, str(failure))]
    system = f"{loaded.system_file}" if loaded.system_file.is_file() else "none"
    user = f"{loaded.user_file}" if loaded.user_file.is_file() else "none (defaults)"
    locked = ", ".join(sorted(loaded.locked)) or "none"
    checks = [
        Check("config", True, f"system file: {system}; user file: {user}"),
        Check("locked keys", True, locked, required=False),
    ]
    checks += [Check("config note", True, note, required=False) for note in loaded.notes]
    return checks


def check_models() -> list[Check]:
    try:
        specs = modelstore.load_manifest()
    except AgentAssistError as error:
        return [Check("model manifest", False, str(error))]
    checks = []
    for spec in specs:
        report = modelstore.check(spec)
        detail = (
            f"{report.location} ({report.size / 1e6:.0f} MB, sha256 verified)"
            if report.ok
            else report.problem
        )
        checks.append(Check(f"model {spec.name}", report.ok, detail))
    return checks


def check_playbook(config: Config) -> Check:
    from agent_assist.guidance.playbook import load_playbook
    from agent_assist.pipeline import playbook_path

    path = playbook_path(config)
    try:
        load_playbook(path)
    except AgentAssistError as error:
        return Check("playbook", False, str(error))
    return Check("playbook", True, str(path))


def check_audio() -> list[Check]:
    try:
        import sounddevice as sd
    except OSError:
        return [
            Check(
                "PortAudio",
                False,
                "PortAudio library missing: live capture is unavailable "
                "(install libportaudio2); file analysis still works",
                required=False,
            )
        ]
    inputs = [d for d in sd.query_devices() if d["max_input_channels"] > 0]
    checks = [Check("PortAudio", True, sd.get_portaudio_version()[1])]
    if inputs:
        names = ", ".join(d["name"] for d in inputs[:6])
        checks.append(Check("audio inputs", True, f"{len(inputs)} found: {names}"))
    else:
        checks.append(
            Check(
                "audio inputs",
                False,
                "no input device found: live capture cannot start; file analysis still works",
                required=False,
            )
        )
    return checks


def cuda_status() -> tuple[int, list[str]]:
    """(CUDA devices CTranslate2 can use, ONNX Runtime's providers); 0 when the probe fails."""
    import ctranslate2
    import onnxruntime

    try:
        gpus = ctranslate2.get_cuda_device_count()
    except Exception:  # noqa: BLE001 - a broken CUDA install reads as "no GPU"
        gpus = 0
    return gpus, list(onnxruntime.get_available_providers())


def check_compute(config: Config) -> list[Check]:
    gpus, providers = cuda_status()
    cpu = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    ort_cuda = "CUDAExecutionProvider" in providers
    if gpus:
        gpu = f"{gpus} CUDA device(s) usable by CTranslate2 (speech runs there, float16)"
    else:
        gpu = "no CUDA device usable by CTranslate2: speech runs on the CPU (int8)"
    gpu += "; ONNX Runtime CUDA provider: " + ("yes" if ort_cuda else "no (sentiment on CPU)")
    wanted = config.asr.device
    ok = not (wanted == "cuda" and not gpus)
    if not ok:
        gpu += "; asr.device = 'cuda' will fall back to the CPU"
    return [Check("CPU", True, cpu), Check("GPU", ok, gpu, required=False)]


def check_offline() -> Check:
    offline = os.environ.get("HF_HUB_OFFLINE") == "1"
    return Check(
        "offline mode",
        True,
        "HF_HUB_OFFLINE=1"
        if offline
        else "models load from local folders only (no hub access is attempted)",
    )


def check_layout() -> Check:
    return Check("install", True, f"{paths.layout()} layout, app files in {paths.app_root()}")


def run_checks(
    config: Config, loaded: LoadedConfig | None = None, config_error: str = ""
) -> list[Check]:
    checks = [check_layout(), *check_config(loaded, config_error)]
    checks += check_models()
    checks.append(check_playbook(config))
    checks += check_audio()
    checks += check_compute(config)
    checks.append(check_offline())
    return checks


# ---------------------------------------------------------------- support bundle


def package_version(dist: str, module: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        pass
    if module == "PySide6":  # the core never imports Qt; read the version without importing it
        return "installed" if importlib.util.find_spec(module) else "not installed"
    try:
        return str(getattr(importlib.import_module(module), "__version__", "unknown"))
    except Exception as error:  # noqa: BLE001 - a broken package is a finding, not a crash
        return f"not importable ({type(error).__name__})"


def versions() -> list[tuple[str, str]]:
    found = [
        ("agent-assist", __version__),
        ("python", f"{platform.python_version()} ({sys.executable})"),
        ("os", f"{platform.platform()} ({platform.machine()})"),
        ("frozen", "yes" if paths.is_frozen() else "no"),
    ]
    return found + [(dist, package_version(dist, module)) for dist, module in PACKAGES]


_LOG_PREFIX = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ [\w.]+: )(.*)$")
"""A line in ``logs.FORMAT``: the time, level and logger are kept as they are."""
AUDIO_SUFFIXES = "wav|flac|mp3|ogg|oga|opus|m4a|aac|wma|webm|mp4|mka|aif|aiff|amr|3gp"
_AUDIO_FILE = re2.compile(
    rf"(?i)(^|: |[\s\"'(\[=])((?:[a-z]:)?[^:\"'\n]*\.(?:{AUDIO_SUFFIXES}))(?:\b|$)"
)
"""An audio file's name or path, from the start of the message or a delimiter (names may hold
spaces) to the last audio suffix before the next ``:`` or quote. Generous on purpose: a few
words too many go, never part of a name."""


def scrub_log_line(line: str, redactor: Redactor) -> str:
    """A log line fit to leave the site: PII redacted, audio file names and paths removed."""
    found = _LOG_PREFIX.match(line)
    prefix, message = (found.group(1), found.group(2)) if found else ("", line)
    message = _AUDIO_FILE.sub(r"\1[audio file]", redactor.redact(message))
    return prefix + message


def without_home(text: str, home: Path | None = None) -> str:
    """``text`` with the user's home folder written ``~``."""
    folder = str(home or Path.home()).rstrip("/\\")
    if len(folder) < 2:
        return text
    return re.sub(re.escape(folder) + r"(?=[/\\\s:;,'\")\]]|$)", "~", text, flags=re.M)


def report_lines(
    checks: list[Check], loaded: LoadedConfig | None, log_lines: list[str]
) -> list[str]:
    from agent_assist.cli.config import show_lines

    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = [
        f"agent-assist support report, {now}",
        "(no call content: no transcripts, no audio; personal data in the log redacted)",
    ]
    lines += ["", "== versions"] + [f"{name}: {value}" for name, value in versions()]
    lines += ["", "== checks"] + [check.line() for check in checks]
    lines += ["", "== configuration (value, then where it came from)"]
    lines += show_lines(loaded) if loaded else ["(config could not be loaded; see checks)"]
    redactor = Redactor()
    lines += ["", f"== log: last {len(log_lines)} lines of {logs.log_file()}"]
    lines += [scrub_log_line(line, redactor) for line in log_lines]
    return [without_home(line) for line in lines]


def write_report(
    path: Path, checks: list[Check], loaded: LoadedConfig | None = None, log_lines: int = LOG_LINES
) -> Path:
    """Write the support bundle: a text file, or a zip when ``path`` ends in ``.zip``."""
    text = "\n".join(report_lines(checks, loaded, logs.tail(log_lines))) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
                bundle.writestr("agent-assist-report.txt", text)
        else:
            path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise AgentAssistError(f"{path}: cannot write the report ({error.strerror})") from None
    return path


def add_report_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--report",
        metavar="FILE",
        help="also write a support bundle (text, or zip if FILE ends in .zip) without call content",
    )


def run(args: argparse.Namespace, loaded: LoadedConfig | None, error: str = "") -> int:
    """The whole ``doctor`` command on the run's config (or why it did not load): print the
    checks, write ``--report`` if asked."""
    checks = run_checks(loaded.config if loaded else Config(), loaded, error)
    for check in checks:
        print(check.line())
    if getattr(args, "report", None):
        written = write_report(Path(args.report), checks, loaded)
        print(f"support bundle written to {written} (it holds no call content)")
    return 0 if all(c.ok or not c.required for c in checks) else 1
