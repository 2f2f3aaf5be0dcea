"""Soak: hours of real speech through the live pipeline, faster than real time.

A shift is built from the real recordings of ../shared/DATA.md (``data-cache/speech``, fetched
by ``bench/fetch_data.py``) and the bundled sample call: calls of a few minutes in which the
clips alternate between the agent and the customer channel with short pauses, separated by
silence. Two ``AudioSource`` stand-ins push the shift in 50 ms device blocks into a real
``LiveRunner`` (bounded ``BlockQueue`` -> worker -> VAD -> partial captions / Whisper ->
sentiment -> mood -> guidance), with a virtual clock in audio seconds:

* ``--speed auto`` (default): the next block is pushed as soon as the queue holds less than
  ``--ahead-s`` of audio, so the pipeline runs as fast as the machine allows and never has to
  drop audio (throughput is printed);
* ``--speed N``: blocks arrive at N x real time whatever the pipeline does; if it cannot keep
  up, its lag policy pauses captions and drops the oldest audio (shown as lag and drops).

It prints, every ``--report-every-min`` minutes of audio: RSS (the interval's floor and peak),
the queue depth (audio waiting), worst lag and per-utterance latency (audio seconds), drops,
throughput, threads and open file descriptors. At the end: threads and descriptors before/after
(leaks), and RSS growth after warm-up, both end-to-end and as a least-squares slope (target:
<= 5 %).

``--session shift`` (default) keeps one runner listening for the whole shift (an agent who
never stops listening); ``--session per-call`` starts and stops a runner for every call, with
the models loaded once, as the app does when listening is toggled.

Usage:
    .venv/bin/python bench/fetch_data.py
    .venv/bin/python bench/soak.py --minutes 120            # the full soak (takes hours here)
    .venv/bin/python bench/soak.py --minutes 10 --warmup-min 2 --report-every-min 1   # smoke
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import random
import resource
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from agent_assist import config as config_module  # noqa: E402
from agent_assist import paths  # noqa: E402
from agent_assist.audio.capture import Block, BlockSink  # noqa: E402
from agent_assist.audio.files import AUDIO_SUFFIXES, load_call  # noqa: E402
from agent_assist.config import Config  # noqa: E402
from agent_assist.contracts import SAMPLE_RATE  # noqa: E402
from agent_assist.errors import AgentAssistError  # noqa: E402
from agent_assist.events import Event, Latency, PipelineStatus, Speaker  # noqa: E402
from agent_assist.live import LiveRunner  # noqa: E402
from agent_assist.pipeline import Models, load_models  # noqa: E402

BLOCK_S = 0.05
BLOCK = int(BLOCK_S * SAMPLE_RATE)
DEFAULT_DATA = ROOT / "data-cache" / "speech"


# ----------------------------------------------------------------------------- the shift


@dataclass
class Clip:
    name: str
    tracks: dict[Speaker, np.ndarray]


def load_clips(folder: Path, limit_s: float = 60.0) -> list[Clip]:
    """Every readable recording under ``folder`` plus the sample call (at most ``limit_s``)."""
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
    clips = []
    for path in [*files, paths.sample_call()]:
        try:
            tracks = load_call(path)
        except AgentAssistError as error:
            print(f"  skipped {error}", file=sys.stderr)
            continue
        tracks = {role: audio[: int(limit_s * SAMPLE_RATE)] for role, audio in tracks.items()}
        clips.append(Clip(path.name, tracks))
    return clips


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)


@dataclass
class Piece:
    """A stretch of the shift: the same length on both channels."""

    agent: np.ndarray
    customer: np.ndarray
    call: int

    @property
    def seconds(self) -> float:
        return len(self.agent) / SAMPLE_RATE


def pair(agent: np.ndarray | None, customer: np.ndarray | None, call: int) -> Piece:
    """Both channels, the missing or shorter one padded with silence."""
    tracks = [silence(0) if a is None else a for a in (agent, customer)]
    length = max(len(a) for a in tracks)
    padded = [np.pad(a, (0, length - len(a))) for a in tracks]
    return Piece(padded[0], padded[1], call)


def shift(
    clips: list[Clip], total_s: float, call_s: float, gap_s: float, seed: int
) -> Iterator[Piece]:
    """Calls of about ``call_s`` seconds separated by ``gap_s`` of silence, ``total_s`` long."""
    rng = random.Random(seed)
    done, call = 0.0, 0
    while done < total_s:
        call += 1
        in_call = 0.0
        role: Speaker = "agent"
        while in_call < call_s and done + in_call < total_s:
            clip = rng.choice(clips)
            if len(clip.tracks) == 2:
                piece = pair(clip.tracks["agent"], clip.tracks["customer"], call)
            else:
                audio = next(iter(clip.tracks.values()))
                piece = pair(audio, None, call) if role == "agent" else pair(None, audio, call)
                role = "customer" if role == "agent" else "agent"
            pause = silence(rng.uniform(0.3, 1.5))
            yield piece
            yield pair(pause, pause, call)
            in_call += piece.seconds + len(pause) / SAMPLE_RATE
        done += in_call
        if done < total_s:
            gap = silence(min(gap_s, total_s - done))
            yield pair(gap, gap, 0)
            done += len(gap) / SAMPLE_RATE


# ----------------------------------------------------------------------------- the feed


class VirtualClock:
    """Audio seconds: advanced by the pusher (auto) or running at ``speed`` x wall time."""

    def __init__(self, speed: float | None) -> None:
        self.speed = speed
        self._start = time.monotonic()
        self._now = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        if self.speed is not None:
            return (time.monotonic() - self._start) * self.speed
        with self._lock:
            return self._now

    def advance_to(self, moment: float) -> None:
        with self._lock:
            self._now = max(self._now, moment)


class ReplaySource:
    """An ``AudioSource`` whose blocks the soak driver pushes."""

    def __init__(self, role: Speaker) -> None:
        self.role: Speaker = role
        self.description = f"soak replay ({role})"
        self.sink: BlockSink | None = None

    def open(self, sink: BlockSink) -> None:
        self.sink = sink

    def close(self) -> None:
        self.sink = None

    def alive(self, now: float) -> bool:
        return self.sink is not None


@dataclass
class Tally:
    """What the event sink keeps: counts and this interval's latencies, nothing else."""

    counts: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    behind: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, event: Event) -> None:
        with self.lock:
            self.counts[type(event).__name__] += 1
            if isinstance(event, Latency):
                self.latencies.append(event.to_guidance)
            elif isinstance(event, PipelineStatus):
                if event.state == "behind":
                    self.behind += 1
                elif event.state == "error":
                    self.errors.append(event.message)

    def take_latencies(self) -> list[float]:
        with self.lock:
            taken, self.latencies = self.latencies, []
            return taken


# ----------------------------------------------------------------------------- measuring


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def native_threads() -> int:
    return len(os.listdir("/proc/self/task"))


def open_fds() -> list[str]:
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            found.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
    return sorted(found)


@dataclass
class Sample:
    audio_min: float
    wall_s: float
    rss: float
    """The interval's lowest RSS (sampled every second of audio): the floor a leak raises,
    free of the transient buffers of the decode that happens to be running."""
    rss_peak: float
    queue_s: float
    lag_max: float
    latency_p50: float
    latency_max: float
    dropped_s: float
    threads: int
    fds: int


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


class Soak:
    def __init__(self, args: argparse.Namespace, config: Config, models: Models) -> None:
        self.args = args
        self.config = config
        self.models = models
        self.speed = None if args.speed == "auto" else float(args.speed)
        self.clock = VirtualClock(self.speed)
        self.tally = Tally()
        self.samples: list[Sample] = []
        self.runner: LiveRunner | None = None
        self.sources: dict[Speaker, ReplaySource] = {}
        self.audio_s = 0.0
        self.dropped_before = 0.0
        self.sessions = 0
        self.rss_seen: list[float] = []
        self.warm: tuple[list[str], list[str]] | None = None
        """Python thread names and open fds once warmed up (lazy pools and caches exist)."""
        self.started = time.monotonic()

    # sessions ------------------------------------------------------------------------------
    def open_session(self) -> None:
        self.sources = {role: ReplaySource(role) for role in ("agent", "customer")}
        self.runner = LiveRunner(
            self.config,
            self.tally,
            models=self.models,
            sources=list(self.sources.values()),
            clock=self.clock,
            call_name=f"soak-{self.sessions}",
        )
        self.runner.start()
        while any(s.sink is None for s in self.sources.values()):
            if self.tally.errors:
                raise SystemExit(f"runner failed: {self.tally.errors[-1]}")
            time.sleep(0.01)
        self.sessions += 1

    def close_session(self) -> None:
        if self.runner is None:
            return
        self.dropped_before += self.dropped_now()
        self.runner.stop()
        self.runner = None

    # pushing -------------------------------------------------------------------------------
    def queue_s(self) -> float:
        return self.runner.stats().queued_seconds if self.runner else 0.0

    def dropped_now(self) -> float:
        if self.runner is None:
            return 0.0
        stats = self.runner.stats()
        return sum(stats.overflow_seconds.values()) + sum(stats.dropped_seconds.values())

    def push(self, piece: Piece) -> None:
        for begin in range(0, len(piece.agent), BLOCK):
            end_s = self.audio_s + min(BLOCK, len(piece.agent) - begin) / SAMPLE_RATE
            self.wait_turn(end_s)
            for role, audio in (("agent", piece.agent), ("customer", piece.customer)):
                sink = self.sources[role].sink  # type: ignore[index]
                if sink is not None:
                    block = audio[begin : begin + BLOCK].copy()
                    sink(Block(role, block, SAMPLE_RATE, self.clock()))  # type: ignore[arg-type]
            self.audio_s = end_s
            if begin % (20 * BLOCK) == 0:
                self.rss_seen.append(rss_mb())
            self.maybe_report()

    def wait_turn(self, end_s: float) -> None:
        if self.speed is None:
            while self.queue_s() > self.args.ahead_s:
                time.sleep(0.005)
            self.clock.advance_to(end_s)
        else:
            while self.clock() < end_s:
                time.sleep(min(0.02, (end_s - self.clock()) / self.speed))

    # reporting -----------------------------------------------------------------------------
    def maybe_report(self) -> None:
        due = (len(self.samples) + 1) * self.args.report_every_min * 60
        if self.audio_s >= due:
            self.report()

    def report(self) -> None:
        latencies = self.tally.take_latencies()
        seen, self.rss_seen = self.rss_seen or [rss_mb()], []
        sample = Sample(
            audio_min=self.audio_s / 60,
            wall_s=time.monotonic() - self.started,
            rss=min(seen),
            rss_peak=max(seen),
            queue_s=self.queue_s(),
            lag_max=self.runner.stats().max_lag if self.runner else 0.0,
            latency_p50=percentile(latencies, 50),
            latency_max=max(latencies, default=float("nan")),
            dropped_s=self.dropped_before + self.dropped_now(),
            threads=native_threads(),
            fds=len(open_fds()),
        )
        previous = self.samples[-1] if self.samples else None
        self.samples.append(sample)
        if self.warm is None and sample.audio_min >= self.args.warmup_min:
            self.warm = (thread_names(), open_fds())
        span = sample.audio_min * 60 - (previous.audio_min * 60 if previous else 0.0)
        wall = sample.wall_s - (previous.wall_s if previous else 0.0)
        print(
            f"{sample.audio_min:7.1f} {sample.wall_s:8.0f} {sample.rss:8.1f} {sample.rss_peak:8.1f}"
            f" {sample.queue_s:7.2f}"
            f" {sample.lag_max:7.2f} {sample.latency_p50:7.2f} {sample.latency_max:7.2f}"
            f" {sample.dropped_s:8.1f} {span / max(wall, 1e-9):6.2f}x {sample.threads:5d}"
            f" {sample.fds:4d}  {os.getloadavg()[0]:4.1f}",
            flush=True,
        )


HEADER = (
    "  audio    wall s  RSS min RSS peak queue s lag max lat p50 lat max  dropped  speed threads"
    " fds"
    "  load"
)


def growth(samples: list[Sample], warmup_min: float) -> tuple[float, float, float] | None:
    """(RSS floor at warm-up, end-to-end growth %, least-squares growth % over the same span)."""
    after = [s for s in samples if s.audio_min >= warmup_min]
    if len(after) < 2:
        return None
    x = np.array([s.audio_min for s in after])
    y = np.array([s.rss for s in after])
    slope, intercept = np.polyfit(x, y, 1)
    start = float(intercept + slope * x[0])
    fitted = 100 * float(slope * (x[-1] - x[0])) / start
    return float(y[0]), 100 * float(y[-1] - y[0]) / float(y[0]), fitted


def thread_names() -> list[str]:
    return sorted(t.name for t in threading.enumerate())


class Interrupted(Exception):
    pass


def interrupt(signum: int, frame: object) -> None:
    raise Interrupted(signal.Signals(signum).name)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("agent_assist.live").setLevel(logging.ERROR)  # 'behind' is counted instead
    config = config_module.load(Path(args.config) if args.config else None)
    if args.profile:
        config = config_module.with_values(config, {"asr.profile": args.profile})
    if args.partial_interval:
        config = config_module.with_values(
            config, {"asr.partial_interval_s": args.partial_interval}
        )
    data = Path(args.data)
    if not data.is_dir():
        print(f"{data}: no speech data; run .venv/bin/python bench/fetch_data.py", file=sys.stderr)
        return 2
    print(f"loading clips from {data} ...", flush=True)
    clips = load_clips(data)
    clip_s = sum(len(next(iter(c.tracks.values()))) for c in clips) / SAMPLE_RATE
    print(f"{len(clips)} clips, {clip_s / 60:.1f} min of real speech recordings", flush=True)
    models = load_models(config)
    gc.collect()
    threads_before, py_threads_before, fds_before = native_threads(), thread_names(), open_fds()
    print(
        f"profile {config.asr.profile}, partial captions every {config.asr.partial_interval_s} s,"
        f" speed {args.speed}, session {args.session}, {args.minutes} min of audio;"
        f" start: RSS {rss_mb():.1f} MB, {threads_before} threads ({len(py_threads_before)}"
        f" Python), {len(fds_before)} open fds",
        flush=True,
    )
    print(HEADER, flush=True)
    soak = Soak(args, config, models)
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)
    try:
        call = None
        for piece in shift(clips, args.minutes * 60, args.call_min * 60, args.gap_s, args.seed):
            if soak.runner is None or (args.session == "per-call" and piece.call not in (0, call)):
                soak.close_session()
                soak.open_session()
            call = piece.call or call
            soak.push(piece)
        while soak.queue_s() > 0:
            time.sleep(0.05)
    except Interrupted as stop:
        print(f"interrupted ({stop}) after {soak.audio_s / 60:.1f} min of audio", flush=True)
    if not soak.samples or soak.samples[-1].audio_min < soak.audio_s / 60:
        soak.report()
    soak.close_session()
    gc.collect()
    time.sleep(0.5)
    return summarize(soak, args, threads_before, py_threads_before, fds_before)


def summarize(
    soak: Soak,
    args: argparse.Namespace,
    threads_before: int,
    py_threads_before: list[str],
    fds_before: list[str],
) -> int:
    wall = time.monotonic() - soak.started
    counts = soak.tally.counts
    print()
    print(
        f"audio {soak.audio_s / 60:.1f} min in {wall / 60:.1f} min wall ({soak.audio_s / wall:.2f}x"
        f" real time), {soak.sessions} session(s); events: "
        + ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
    )
    print(
        f"'behind' reports {soak.tally.behind}, audio dropped {soak.samples[-1].dropped_s:.1f} s,"
        f" worst queue depth {max(s.queue_s for s in soak.samples):.2f} s"
    )
    if soak.tally.errors:
        print(f"ERRORS: {soak.tally.errors[:5]}")
    fds_after = open_fds()
    py_after = thread_names()
    new_fds = sorted((Counter(fds_after) - Counter(fds_before)).elements())
    new_threads = sorted((Counter(py_after) - Counter(py_threads_before)).elements())
    warm_threads, warm_fds = soak.warm or (py_after, fds_after)
    leaked_threads = sorted((Counter(py_after) - Counter(warm_threads)).elements())
    leaked_fds = sorted((Counter(fds_after) - Counter(warm_fds)).elements())
    print(
        f"threads: start {threads_before} -> end {native_threads()} (Python:"
        f" {len(py_threads_before)} -> {len(py_after)}; new since start: {new_threads or 'none'};"
        f" new since warm-up: {leaked_threads or 'none'})"
    )
    print(
        f"open fds: start {len(fds_before)} -> end {len(fds_after)} (new since start:"
        f" {new_fds or 'none'}; new since warm-up: {leaked_fds or 'none'})"
    )
    print(f"RSS: end {rss_mb():.1f} MB, peak {peak_rss_mb():.1f} MB")
    result = growth(soak.samples, args.warmup_min)
    ok = not soak.tally.errors and not leaked_threads and not leaked_fds
    if result is None:
        print(f"RSS growth: not enough samples after the {args.warmup_min} min warm-up")
    else:
        base, end_to_end, fitted = result
        verdict = "OK" if max(end_to_end, fitted) <= 5.0 else "ABOVE TARGET"
        print(
            f"RSS floor growth after {args.warmup_min} min warm-up: {base:.1f} MB -> end-to-end"
            f" {end_to_end:+.2f} %, least-squares {fitted:+.2f} % (target <= 5 %: {verdict})"
        )
        ok = ok and verdict == "OK"
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=120.0, help="audio to replay (min)")
    parser.add_argument("--speed", default="auto", help="'auto' or a multiple of real time")
    parser.add_argument(
        "--ahead-s", type=float, default=0.2, help="auto speed: audio allowed to wait in the queue"
    )
    parser.add_argument("--session", choices=["shift", "per-call"], default="shift")
    parser.add_argument("--call-min", type=float, default=4.0, help="length of one call (min)")
    parser.add_argument("--gap-s", type=float, default=20.0, help="silence between calls (s)")
    parser.add_argument("--warmup-min", type=float, default=10.0)
    parser.add_argument("--report-every-min", type=float, default=5.0)
    parser.add_argument("--profile", choices=["fast", "accurate", "custom"])
    parser.add_argument(
        "--partial-interval", type=float, help="asr.partial_interval_s (default: the config's)"
    )
    parser.add_argument("--config", help="config file (default: the user's)")
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--seed", type=int, default=7)
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
