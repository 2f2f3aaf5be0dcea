"""Nothing goes out: the CLI pipeline and the GUI app run a whole call with the network refused.

Each run is a fresh Python process that installs an audit hook (``sys.addaudithook``) before
``agent_assist`` is imported. The hook records and refuses every outgoing network attempt that
Python can make (``socket.connect``, ``getaddrinfo``, ``gethostbyname``, ``sendto``/``sendmsg``,
``urllib.Request``, ``http.client.connect``, ...; Internet sockets are refused at creation), and
records any child process (which the hook could not watch). Where the kernel allows it
(root, or unprivileged user namespaces), the process also runs under ``unshare -n``: a network
namespace with no interface but loopback, which covers native code too. The tests assert a
real result (transcripts of the sample call, the call summary) and zero attempts.

The hook cannot see native code: onnxruntime's telemetry resolves and connects from its own
threads. The ``native`` tests therefore run the real entry points (``analyze``, ``sentiment``,
the ``--demo`` GUI) for longer than 30 s each, and ``analyze --workers`` (its pool processes live
as long as their calls take; a telemetry store they write still shows), concurrently, under
``strace -f`` in a loopback-only network namespace with a private HOME and an environment that
asks for telemetry (tests/offline/harness.py), and assert zero DNS or outside attempts and no
files under ~/.cache/Microsoft. tests/packaging/test_frozen_offline.py does the same for the
frozen app.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from agent_assist import modelstore, paths
from agent_assist.errors import ModelError
from tests.offline import harness
from tests.offline.harness import Finished, python_argv

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
RUN_LIMIT_S = 600

GUARD = r'''
"""Audit hook that records and refuses network attempts, then runs the given mode."""
import json
import os
import socket
import sys

_LOG = open(os.environ["AA_AUDIT_LOG"], "a", buffering=1, encoding="utf-8")
_LOCAL = getattr(socket, "AF_UNIX", None)
_REFUSED = {
    "socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
    "socket.gethostbyaddr", "socket.getnameinfo", "socket.sendto", "socket.sendmsg",
    "socket.bind", "urllib.Request", "http.client.connect", "http.client.send",
    "ftplib.connect", "smtplib.connect", "poplib.connect", "imaplib.open", "nntplib.connect",
    "telnetlib.Telnet.open", "webbrowser.open",
}
_SPAWNS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
           "os.forkpty", "pty.spawn"}
# ctypes.util.find_library (sounddevice looking for PortAudio) asks these local tools.
_LIBRARY_PROBES = {"ldconfig", "gcc", "cc", "ld", "objdump"}


_LOOKUPS = {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
            "socket.gethostbyaddr", "socket.getnameinfo"}


class NetworkRefused(OSError):
    pass


def _record(kind, event, args):
    _LOG.write(json.dumps({"kind": kind, "event": event, "args": repr(args)[:300]}) + "\n")


def _is_local(event, args):
    """A Unix-domain socket (same machine): recorded, allowed."""
    if event == "socket.__new__":
        return len(args) > 1 and args[1] in (-1, _LOCAL)
    sock = args[0] if args else None
    return event not in _LOOKUPS and getattr(sock, "family", None) == _LOCAL


def _hook(event, args):
    if event in _SPAWNS:
        program = os.path.basename(str(args[0])) if args and event == "subprocess.Popen" else ""
        _record("library-probe" if program in _LIBRARY_PROBES else "spawn", event, args)
        return
    if event != "socket.__new__" and event not in _REFUSED:
        return
    if _is_local(event, args):
        if event != "socket.__new__":
            _record("local", event, args)
        return
    _record("network", event, args)
    raise NetworkRefused(f"network refused by the offline test: {event}")


sys.addaudithook(_hook)


def run_cli(argv):
    import runpy

    sys.argv = ["agent-assist", *argv]
    runpy.run_module("agent_assist", run_name="__main__", alter_sys=True)


def run_gui(result_path):
    import threading

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from agent_assist import config as config_io, paths
    from agent_assist.events import CallSummary, PipelineStatus, TranscriptFinal
    from agent_assist.live import FileReplayRunner
    from agent_assist.ui.launch import run_app
    from agent_assist.ui.devices import query_devices

    app = QApplication(["agent-assist"])
    config = config_io.load()
    listing = query_devices()  # the device probe the settings and demo run at start
    done = threading.Event()
    seen = {"transcripts": [], "summary": None, "errors": [], "timed_out": False}

    def factory(config, on_event):
        def sink(event):
            on_event(event)  # posted to the GUI thread before the test may quit
            if isinstance(event, TranscriptFinal):
                seen["transcripts"].append(event.text)
            elif isinstance(event, PipelineStatus) and event.state == "error":
                seen["errors"].append(event.message)
                done.set()
            elif isinstance(event, CallSummary):
                seen["summary"] = event.to_dict()
                done.set()

        return FileReplayRunner(paths.sample_call(), config, sink, realtime=False)

    def check():
        if done.is_set():
            poll.stop()
            QTimer.singleShot(500, app.quit)  # let the app handle what was posted, then quit

    poll = QTimer()
    poll.timeout.connect(check)
    poll.start(50)

    def give_up():
        seen["timed_out"] = True
        app.quit()

    QTimer.singleShot(int(os.environ.get("AA_GUI_LIMIT_S", "400")) * 1000, give_up)
    code = run_app(["agent-assist"], config, demo=True, runner_factory=factory)
    seen["exit_code"] = code
    seen["devices_problem"] = listing.problem
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump(seen, handle)


if __name__ == "__main__":
    mode, rest = sys.argv[1], sys.argv[2:]
    if mode == "cli":
        run_cli(rest)
    else:
        run_gui(rest[0])
'''


@cache
def network_namespace_prefix() -> tuple[str, ...]:
    """``unshare -n`` when this machine lets us use it (root or user namespaces), else ()."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    for prefix in ((unshare, "-n"), (unshare, "-r", "-n")):
        probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return prefix
    return ()


def require_sentiment_model() -> None:
    """Skip only while the project's sentiment model is not in the manifest yet."""
    try:
        modelstore.find_spec("sentiment-minilm")
    except ModelError as error:
        pytest.skip(f"sentiment model not built yet: {error}")


def guarded_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "AGENT_ASSIST_"))}
    env.pop("XDG_RUNTIME_DIR", None)
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(tmp_path / name.lower())
    env["AGENT_ASSIST_SYSTEM_CONFIG"] = str(tmp_path / "no-system-config.toml")
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["AA_AUDIT_LOG"] = str(tmp_path / "audit.jsonl")
    env["PYTHONPATH"] = str(ROOT)
    return env


def run_guarded(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "guard.py"
    script.write_text(GUARD, encoding="utf-8")
    command = [*network_namespace_prefix(), sys.executable, str(script), *args]
    return subprocess.run(
        command,
        cwd=tmp_path,
        env=guarded_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=RUN_LIMIT_S,
    )


def audit_records(tmp_path: Path) -> list[dict[str, str]]:
    log = tmp_path / "audit.jsonl"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]


def assert_no_network(tmp_path: Path) -> None:
    records = audit_records(tmp_path)
    network = [r for r in records if r["kind"] == "network"]
    spawns = [r for r in records if r["kind"] == "spawn"]
    assert network == [], f"network attempts: {network}"
    assert spawns == [], f"child processes the audit hook cannot watch: {spawns}"


def test_guard_refuses_and_records_a_connection(tmp_path: Path) -> None:
    """The hook itself works: a deliberate connection attempt is refused and recorded."""
    probe = (
        "import socket, urllib.request\n"
        "for attempt in (lambda: socket.create_connection(('127.0.0.1', 9)),\n"
        "                lambda: socket.getaddrinfo('example.com', 80),\n"
        "                lambda: urllib.request.urlopen('http://example.com', timeout=1)):\n"
        "    try:\n"
        "        attempt()\n"
        "    except OSError as error:\n"
        "        print(type(error).__name__, error)\n"
    )
    script = tmp_path / "guard.py"
    script.write_text(GUARD.replace('if __name__ == "__main__":', "if False:") + probe)
    done = subprocess.run(
        [sys.executable, str(script)],
        env=guarded_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    events = {r["event"] for r in audit_records(tmp_path) if r["kind"] == "network"}
    assert {"socket.getaddrinfo", "urllib.Request"} <= events
    assert done.stdout.count("network refused by the offline test") == 3


def test_cli_analyze_runs_the_sample_call_with_the_network_refused(tmp_path: Path) -> None:
    require_sentiment_model()
    done = run_guarded(tmp_path, "cli", "analyze", str(paths.sample_call()), "--format", "jsonl")
    assert done.returncode == 0, done.stderr[-3000:]
    events = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    transcripts = [e for e in events if e["type"] == "transcript"]
    said = " ".join(e["text"] for e in transcripts).lower()
    assert len(transcripts) >= 8, said
    assert {e["speaker"] for e in transcripts} == {"agent", "customer"}
    assert "internet" in said and "account" in said
    assert all(e["sentiment"]["label"] in ("negative", "neutral", "positive") for e in transcripts)
    assert events[-1]["type"] == "summary" and events[-1]["utterances"] == len(transcripts)
    assert_no_network(tmp_path)


def test_gui_demo_runs_the_sample_call_with_the_network_refused(tmp_path: Path) -> None:
    require_sentiment_model()
    # Replayed faster than real time nobody reads the provisional captions; decoding them only
    # every 5 s keeps the run short without changing what the app loads or touches.
    user_config = tmp_path / "xdg_config_home" / "agent-assist" / "config.toml"
    user_config.parent.mkdir(parents=True)
    user_config.write_text("[asr]\npartial_interval_s = 5.0\n", encoding="utf-8")
    result = tmp_path / "gui.json"
    done = run_guarded(tmp_path, "gui", str(result))
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(result.read_text(encoding="utf-8"))
    assert not seen["timed_out"], seen
    assert seen["errors"] == [], seen["errors"]
    assert seen["exit_code"] == 0
    said = " ".join(seen["transcripts"]).lower()
    assert len(seen["transcripts"]) >= 8 and "internet" in said, said
    assert seen["summary"] is not None and seen["summary"]["duration"] > 60
    assert_no_network(tmp_path)


def test_the_run_is_network_isolated_when_the_kernel_allows_it() -> None:
    """Report (not skip silently) whether the belt-and-braces namespace was in force."""
    prefix = network_namespace_prefix()
    if not prefix:
        pytest.skip("unshare -n not permitted here: only the audit hook guards these runs")
    probe = subprocess.run(
        [
            *prefix,
            sys.executable,
            "-c",
            "import socket; s = socket.socket(); s.settimeout(2)\n"
            "try:\n    s.connect(('192.0.2.1', 80))\nexcept OSError as e:\n    print(e.errno)",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() in {"101", "113"}  # ENETUNREACH / EHOSTUNREACH: no route out


NATIVE_RUN_S = 35  # onnxruntime's telemetry first looks up its host ~10 s in, then retries
LINGER = str(ROOT / "tests" / "offline" / "linger.py")
DATA = ROOT / "tests" / "data"
SENTIMENT_LINES = (
    "This is the worst service ever, I am furious.",
    "Thank you so much, that fixed it.",
    "I have been waiting on hold for forty minutes.",
    "Can you check the status of my order?",
    "I love how quickly you sorted this out.",
    "Cancel my account, I am done with you people.",
    "Okay, that sounds fine.",
)


@pytest.fixture(scope="module")
def native_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Finished]:
    """The entry points traced at once (the sentiment feed and the GUI mostly wait)."""
    require_sentiment_model()
    base = tmp_path_factory.mktemp("native")
    sample = str(paths.sample_call())
    workers_out = base / "workers" / "out"
    feed_interval = NATIVE_RUN_S / (len(SENTIMENT_LINES) - 1)
    runs = [
        harness.start(
            "analyze",
            python_argv(LINGER, str(NATIVE_RUN_S), "--", "analyze", sample, "--format", "jsonl"),
            base / "analyze",
        ),
        harness.start(
            "analyze --workers",
            python_argv("-m", "agent_assist", "analyze", "--workers", "2", "--out",
                        str(workers_out), str(DATA / "jfk.flac"),
                        str(DATA / "librivox_ill_disposed.flac")),
            base / "workers",
        ),
        harness.start(
            "sentiment",
            python_argv("-m", "agent_assist", "sentiment"),
            base / "sentiment",
            stdin_lines=SENTIMENT_LINES,
            line_interval_s=feed_interval,
        ),
        harness.start(
            "demo",
            python_argv(LINGER, str(NATIVE_RUN_S), "--gui", "--", "--log-level", "DEBUG", "--demo"),
            base / "demo",
        ),
    ]
    return {run.name: run.finish(RUN_LIMIT_S) for run in runs}


def assert_stayed_offline(done: Finished) -> None:
    assert done.forbidden == [], done.explain()
    assert done.telemetry_files == [], done.explain()


def onnx_loads(done: Finished) -> int:
    """How many times the run's own log says onnxruntime loaded the sentiment model."""
    return done.log().count("agent_assist.sentiment.model: loaded")


def test_native_analyze_makes_no_outside_attempt(native_runs: dict[str, Finished]) -> None:
    done = native_runs["analyze"]
    assert done.returncode == 0, done.explain()
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert events and events[-1]["type"] == "summary" and events[-1]["utterances"] >= 8
    assert onnx_loads(done) >= 1
    assert_stayed_offline(done)


def test_native_analyze_workers_make_no_outside_attempt(native_runs: dict[str, Finished]) -> None:
    """The pool's worker processes load the models themselves: they are traced too (strace -f)."""
    done = native_runs["analyze --workers"]
    assert done.returncode == 0, done.explain()
    written = " ".join(p.read_text() for p in (done.root / "out").glob("*.txt"))
    assert "country" in written.lower(), written
    assert onnx_loads(done) >= 2  # one per worker process
    assert_stayed_offline(done)


def test_native_sentiment_makes_no_outside_attempt(native_runs: dict[str, Finished]) -> None:
    done = native_runs["sentiment"]
    assert done.returncode == 0, done.explain()
    scored = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(scored) == len(SENTIMENT_LINES), done.stdout
    assert scored[0]["label"] == "negative" and scored[1]["label"] == "positive"
    assert onnx_loads(done) >= 1
    assert_stayed_offline(done)


def test_native_gui_demo_makes_no_outside_attempt(native_runs: dict[str, Finished]) -> None:
    done = native_runs["demo"]
    assert done.returncode == 0, done.explain()
    # faster-whisper logs each decode at DEBUG only: the run asks for DEBUG to see that it decoded
    assert onnx_loads(done) >= 1 and "faster_whisper" in done.log(), done.log()[-2000:]
    assert_stayed_offline(done)
