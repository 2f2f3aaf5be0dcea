"""A user-space PulseAudio server with null sinks, for end-to-end capture tests and the bench.

Each server gets its own runtime dir; an ALSA config file maps PortAudio device names to the
sinks' monitor sources (``type pulse`` with ``server`` and ``device``), so sounddevice sees one
named input per role. ``paplay`` plays real recordings into a sink in real time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

SYSTEM_ALSA_CONF = "/usr/share/alsa/alsa.conf"


def available() -> str | None:
    """None when the tools are there, else why not."""
    for tool in ("pulseaudio", "pactl", "paplay"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install pulseaudio pulseaudio-utils)"
    if not Path(SYSTEM_ALSA_CONF).is_file():
        return f"{SYSTEM_ALSA_CONF} missing (ALSA)"
    return None


class PulseServer:
    """One PulseAudio daemon with a null sink; stop it by its PID."""

    def __init__(self, root: Path, sink: str, rate: int = 48_000) -> None:
        self.root = root
        self.sink = sink
        self.rate = rate
        self.process: subprocess.Popen[bytes] | None = None
        self.socket = root / "native"

    @property
    def address(self) -> str:
        return f"unix:{self.socket}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PULSE_SERVER": self.address,
            "PULSE_RUNTIME_PATH": str(self.root),
            "HOME": str(self.root),
        }

    def start(self, timeout: float = 10.0) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        script = self.root / "default.pa"
        script.write_text(
            "load-module module-native-protocol-unix auth-anonymous=1\n"
            f"load-module module-null-sink sink_name={self.sink} rate={self.rate}\n"
            f"set-default-sink {self.sink}\n"
            f"set-default-source {self.sink}.monitor\n"
        )
        log = (self.root / "pulseaudio.log").open("wb")
        self.process = subprocess.Popen(
            [
                "pulseaudio",
                "-n",
                "-F",
                str(script),
                "--daemonize=no",
                "--exit-idle-time=-1",
                "--use-pid-file=no",
                "--log-target=stderr",
            ],
            env=self.env(),
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"pulseaudio exited: {(self.root / 'pulseaudio.log').read_text()[-500:]}"
                )
            if self.socket.exists() and self.pactl("info", check=False).returncode == 0:
                return
            time.sleep(0.05)  # polling a server's start-up, not a test wait
        raise RuntimeError("pulseaudio did not start")

    def pactl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["pactl", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            check=check,
            timeout=10,
        )

    def sink_module(self) -> str | None:
        for line in self.pactl("list", "short", "modules").stdout.splitlines():
            if "module-null-sink" in line and f"sink_name={self.sink}" in line:
                return line.split()[0]
        return None

    def remove_sink(self) -> None:
        module = self.sink_module()
        assert module is not None, "sink already removed"
        self.pactl("unload-module", module)

    def restore_sink(self) -> None:
        self.pactl("load-module", "module-null-sink", f"sink_name={self.sink}", f"rate={self.rate}")

    def play(self, path: Path) -> subprocess.Popen[bytes]:
        """Play a sound file into the sink in real time (returns the paplay process)."""
        return subprocess.Popen(
            ["paplay", f"--device={self.sink}", str(path)],
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.process = None


def alsa_config(path: Path, devices: dict[str, PulseServer]) -> Path:
    """Write an ALSA config naming one capture device per server (its sink's monitor)."""
    entries = [
        f'pcm.{name} {{ type pulse; server "{server.address}"; device "{server.sink}.monitor"; '
        f'hint {{ show on; description "{name}" }} }}\n'
        for name, server in devices.items()
    ]
    path.write_text("".join(entries))
    return path


def use_alsa_config(path: Path | None) -> None:
    """Point ALSA at our device names and make PortAudio rescan (no stream may be open)."""
    import sounddevice as sd

    if path is None:
        os.environ.pop("ALSA_CONFIG_PATH", None)
    else:
        os.environ["ALSA_CONFIG_PATH"] = f"{SYSTEM_ALSA_CONF}:{path}"
    sd._terminate()
    sd._initialize()
