"""``agent-assist listen`` (live pipeline, JSON lines) and ``agent-assist devices`` (inputs).

Registered on the CLI's sub-parsers by ``register``; no Qt, and sounddevice is imported only
when a command runs, so a machine without PortAudio gets a clear message, not a crash.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

from agent_assist.audio.capture import InputDevice, import_sounddevice, list_inputs, resolve_device
from agent_assist.cli.shared import Flags, no_redact_flag, redactor_for
from agent_assist.config import Config, LoadedConfig
from agent_assist.contracts import Runner
from agent_assist.edge import OutputEdge
from agent_assist.errors import DeviceError
from agent_assist.events import Event, EventSink, PipelineStatus, Speaker

FATAL_STATES = frozenset({"no_device", "error"})

PICKING_DEVICES = """\
Which input carries which side of the call:
  customer (--customer / audio.customer_device): what you hear, i.e. the call's playback.
    Linux (PulseAudio/PipeWire): the "Monitor of <your headset or speakers>" source
      (through PortAudio's "pulse" device, select it in pavucontrol's Recording tab).
    Windows: a WASAPI loopback input if PortAudio lists one, else "Stereo Mix" or a
      virtual cable (VB-Audio "CABLE Output").
    macOS: a loopback device such as BlackHole, set as the softphone's output (or in a
      Multi-Output Device with your headset).
  agent (--agent / audio.agent_device): your headset microphone.
  Give an index, an exact name or a unique part of a name; "none" switches a side off.
  Empty: the system default input for the agent, the first loopback-looking input for
  the customer."""


def register(subparsers: argparse._SubParsersAction) -> None:
    listen = subparsers.add_parser(
        "listen", help="capture the call live and print events as JSON lines (Ctrl-C stops)"
    )
    listen.add_argument("--customer", metavar="DEVICE", help="input carrying the customer")
    listen.add_argument("--agent", metavar="DEVICE", help="input carrying the agent")
    listen.add_argument("--profile", choices=["fast", "accurate", "custom"], help="speech model")
    listen.add_argument("--seconds", type=float, help="stop after this many seconds")
    listen.add_argument("--no-partials", action="store_true", help="print final text only")
    listen.add_argument("--no-redact", action="store_true", help="keep PII in the output text")
    listen.set_defaults(func=cmd_listen, config_flags=config_flags)
    devices = subparsers.add_parser(
        "devices", help="list audio inputs with host API, rate and a loopback hint"
    )
    devices.add_argument("--json", action="store_true", help="one JSON object per input")
    devices.set_defaults(func=cmd_devices)


def config_flags(args: argparse.Namespace) -> Flags:
    return {
        "audio.customer_device": ("--customer", args.customer),
        "audio.agent_device": ("--agent", args.agent),
        "asr.profile": ("--profile", args.profile),
        "privacy.redact_outputs": no_redact_flag(args),
    }


# ---------------------------------------------------------------- devices


def cmd_devices(args: argparse.Namespace, loaded: LoadedConfig, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        inputs = list_inputs(import_sounddevice())
    except DeviceError as error:
        print(f"agent-assist: error: {error}", file=sys.stderr)
        return 1
    if args.json:
        for device in inputs:
            record = {**device.__dict__, "loopback": device.looks_like_loopback}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return 0
    if not inputs:
        print("no audio input devices found", file=out)
        return 1
    print(f"{'#':>3}  {'name':40} {'host API':18} {'ch':>3} {'rate':>7}  hint", file=out)
    for device in inputs:
        print(_device_line(device), file=out)
    config = loaded.config
    print("", file=out)
    for role in ("customer", "agent"):
        print(f"{role}: {_chosen(config, role, inputs)}", file=out)
    print("", file=out)
    print(PICKING_DEVICES, file=out)
    return 0


def _device_line(device: InputDevice) -> str:
    flags = (("default", device.is_default), ("loopback?", device.looks_like_loopback))
    hints = [name for name, on in flags if on]
    return (
        f"{device.index:>3}  {device.name[:40]:40} {device.hostapi[:18]:18} {device.channels:>3}"
        f" {device.default_rate:>7.0f}  {' '.join(hints)}"
    )


def _chosen(config: Config, role: Speaker, inputs: list[InputDevice]) -> str:
    spec = config.audio.customer_device if role == "customer" else config.audio.agent_device
    if spec.strip().lower() in {"none", "off", "-", "disabled"}:
        return "off"
    try:
        device = resolve_device(spec, inputs, role)
    except DeviceError as error:
        return f"not available ({error})"
    return f"{device.index} {device.name}" + ("" if spec else " (automatic)")


# ---------------------------------------------------------------- listen


def make_runner(config: Config, on_event: EventSink) -> Runner:
    from agent_assist.live import LiveRunner

    return LiveRunner(config, on_event)


class _Printer:
    """Prints events as JSON lines from the worker thread; remembers fatal statuses."""

    def __init__(self, out: TextIO, partials: bool, redactor: Any) -> None:
        self.out = out
        self.partials = partials
        self.edge = OutputEdge(redactor)
        self.fatal: list[PipelineStatus] = []
        self.stopped = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        if isinstance(event, PipelineStatus):
            if event.state in FATAL_STATES and event.role is None:
                self.fatal.append(event)
            if event.state == "stopped":
                self.stopped.set()
        if event.type == "partial" and not self.partials:
            return
        with self._lock:  # events come from more than one thread; the edge keeps call state
            event = self.edge(event)
            self.out.write(event.to_json() + "\n")
            self.out.flush()


def cmd_listen(args: argparse.Namespace, loaded: LoadedConfig, out: TextIO | None = None) -> int:
    config = loaded.config
    printer = _Printer(out or sys.stdout, not args.no_partials, redactor_for(config))
    runner = make_runner(config, printer)
    runner.start()
    running: Callable[[], bool] = getattr(runner, "is_running", lambda: True)
    deadline = None if args.seconds is None else time.monotonic() + args.seconds
    try:
        while deadline is None or time.monotonic() < deadline:
            if printer.stopped.wait(0.2) or not running():
                break
    except KeyboardInterrupt:
        pass
    finally:
        runner.stop()
    if printer.fatal:
        print(f"agent-assist: error: {printer.fatal[-1].message}", file=sys.stderr)
        return 1
    return 0
