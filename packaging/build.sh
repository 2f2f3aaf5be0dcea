#!/usr/bin/env bash
# Build the Linux/macOS --onedir app into dist/agent-assist (see packaging/build.py --help).
# Needs the dev environment (make setup) with PyInstaller, and libportaudio2 installed on Linux:
# the build copies the machine's PortAudio library into the bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
"$PY" -c "import PyInstaller" 2>/dev/null || "$PY" -m pip install -q "pyinstaller>=6.10"
exec "$PY" packaging/build.py "$@"
