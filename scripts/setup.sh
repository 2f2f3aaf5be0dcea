#!/usr/bin/env bash
# Set up a development environment: system packages (when run as root), a venv in .venv with
# the app and its dev tools. Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  libportaudio2 libsndfile1                       # live capture, audio files
  binutils                                        # strip/readelf for the packaged build
  strace iproute2 util-linux                      # native connect() tracing in a loopback-only namespace
  espeak-ng sox                                   # speech fixtures; sox also for the sample calls
  festival festvox-us-slt-hts flite               # the sample calls' two voices (make_sample_call.py)
  pulseaudio pulseaudio-utils libasound2-plugins  # a virtual sound card for capture tests
  xvfb xauth picom openbox imagemagick x11-utils  # real windows and screenshots
  chromium                                        # opens the QA report offline in tests
  libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libxcb-shape0 libxcb-randr0
  libxcb-render-util0 libxcb-image0 libxcb-xinerama0 libxcb-xkb1 libegl1 libgl1 libfontconfig1 libdbus-1-3
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "note: missing system packages (install with sudo apt-get install): ${missing[*]}" >&2
  fi
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip "setuptools>=77" wheel
  .venv/bin/python -m pip install -q -e ".[dev]"
  touch "$stamp"
fi
