"""Live latency: real recordings played through a virtual audio device, in real time.

A user-space PulseAudio server gets a null sink; its monitor is the "customer" input that
sounddevice captures (exactly the live path: PortAudio callback -> bounded queue -> worker ->
VAD -> captions / Whisper -> sentiment -> mood -> guidance). ``paplay`` plays a playlist of
real speech (jfk, the pocketsphinx LibriVox and "cards" utterances and the MFA spontaneous
recordings, 1.5 s apart) into it.

For each model profile ("fast" = tiny.en, "accurate" = base), in its own process (so peak
RSS is per profile), it prints p50 / p95 / max of each latency stage the pipeline reports
(``Latency`` events: end of the utterance -> final transcript -> mood -> suggestions
delivered), the delay to the first provisional words of each utterance, the worst lag,
dropped audio, CPU (user+sys of the process over the run) and peak RSS. "End of speech" is the
end of the last frame the VAD heard as speech, so the VAD hangover (and the kept tail of
silence, ``min(pre_roll, hangover)``) is inside the figures; one row also counts from the
utterance's end as cut (speech end + tail), as earlier versions of this bench did.
"First words" counts from the speech onset (utterance start + pre-roll). Utterances cut at
``vad.max_utterance_s`` while the speaker went on are not an end of speech: they get their own
row, counted from the moment of the cut.

The machine is shared: the load average is printed with the figures.

Run ``.venv/bin/python bench/fetch_data.py`` first, then ``.venv/bin/python bench/live_latency.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SPEECH = ROOT / "data-cache" / "speech"
GAP_S = 1.5
SPONTANEOUS = ("acoustic_corpus.wav", "cold_corpus.wav", "cold_corpus3.wav")
TARGETS = {"to_mood_p50": 0.6, "to_mood_p95": 1.2, "first_words_max_ok": 1.5}


def playlist() -> list[Path]:
    files = [ROOT / "tests" / "data" / "jfk.flac"]
    for folder in ("librivox", "cards"):
        files += sorted((SPEECH / "pocketsphinx" / folder).glob("*.wav"))
    files += [SPEECH / "mfa" / "wav" / name for name in SPONTANEOUS]
    missing = [f for f in files if not f.is_file()]
    if len(files) < 6 or missing:
        sys.exit("speech data missing: run .venv/bin/python bench/fetch_data.py first")
    return files


def build_call(files: list[Path], out: Path) -> float:
    from agent_assist.audio.resample import resample

    parts = [np.zeros(int(2.5 * 16_000), np.float32)]
    for path in files:
        audio, rate = sf.read(path, dtype="float32", always_2d=True)
        parts += [resample(audio.mean(axis=1), rate), np.zeros(int(GAP_S * 16_000), np.float32)]
    call = np.concatenate(parts)
    sf.write(out, call, 16_000)
    return len(call) / 16_000


def quantiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": float("nan"), "p95": float("nan"), "max": float("nan"), "n": 0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50": statistics.median(ordered), "p95": p95, "max": ordered[-1], "n": len(ordered)}


# ------------------------------------------------------------------ one profile (child process)


def run_profile(profile: str, call: Path, sink_env: dict[str, str]) -> dict[str, Any]:
    from agent_assist.config import Config
    from agent_assist.events import (
        Event,
        Latency,
        PipelineStatus,
        TranscriptFinal,
        TranscriptPartial,
    )
    from agent_assist.live import LiveRunner
    from agent_assist.pipeline import load_models

    config = Config.model_validate(
        {
            "asr": {"profile": profile},
            "audio": {"customer_device": "call_monitor", "agent_device": "none"},
        }
    )
    load_started = time.monotonic()
    models = load_models(config)
    load_s = time.monotonic() - load_started
    received: list[tuple[float, Event]] = []
    listening = threading.Event()

    def on_event(event: Event) -> None:
        received.append((time.monotonic(), event))
        if isinstance(event, PipelineStatus) and event.state == "listening" and event.role:
            listening.set()

    runner = LiveRunner(config, on_event, models=models)
    runner.start()
    if not listening.wait(30):
        raise SystemExit(f"capture did not start: {[e for _, e in received]}")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    player = subprocess.run(["paplay", "--device=callsink", str(call)], env=sink_env, check=False)
    time.sleep(2.0)  # let the last utterance's hangover and decode finish
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    load_after = os.getloadavg()[0]
    runner.stop()
    stats = runner.stats()
    if player.returncode != 0:
        raise SystemExit("paplay failed")
    pre_roll = config.vad.pre_roll_ms / 1000
    every = [e for _, e in received if isinstance(e, Latency)]
    latencies = [e for e in every if not e.split]
    splits = [e for e in every if e.split]
    first_words: dict[float, float] = {}
    for at, event in received:
        if not isinstance(event, TranscriptPartial | TranscriptFinal) or not event.text:
            continue
        if event.start not in first_words:
            onset = stats.clock_offsets[event.speaker] + event.start + pre_roll
            first_words[event.start] = at - onset
    finals = [e for _, e in received if isinstance(e, TranscriptFinal)]
    behind = [e for _, e in received if isinstance(e, PipelineStatus) and e.state == "behind"]
    cpu = (after.ru_utime + after.ru_stime) - (usage.ru_utime + usage.ru_stime)
    return {
        "profile": profile,
        "model": getattr(models.transcriber, "model_name", "?"),
        "load_s": load_s,
        "beam": config.asr.live_beam_size,
        "utterances": len(finals),
        "text": " ".join(f.text for f in finals),
        "to_transcript": quantiles([x.to_transcript for x in latencies]),
        "to_mood": quantiles([x.to_mood for x in latencies]),
        "to_guidance": quantiles([x.to_guidance for x in latencies]),
        "cut_to_mood": quantiles([x.to_mood - (x.utterance_end - x.speech_end) for x in latencies]),
        "split_to_mood": quantiles([x.to_mood for x in splits]),
        "early_decodes": stats.early_decodes,
        "early_used": stats.early_used,
        "live_window_s": config.asr.live_window_s,
        "first_words": quantiles(list(first_words.values())),
        "max_lag": stats.max_lag,
        "behind_reports": len(behind),
        "dropped_s": sum(stats.dropped_seconds.values()) + sum(stats.overflow_seconds.values()),
        "partial_decodes": stats.caption_decodes,
        "partials_skipped": stats.partials_skipped,
        "cpu_core_share": cpu / wall,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "load_avg": (load_before, load_after),
        "wall_s": wall,
    }


# ------------------------------------------------------------------ parent: server, report


def report(result: dict[str, Any], audio_s: float) -> None:
    print(
        f"\nprofile {result['profile']} ({result['model']}, finals beam {result['beam']},"
        f" captions greedy, encoder window >= {result['live_window_s']:.0f} s):"
        f" {result['utterances']} utterances in {audio_s:.0f} s of audio,"
        f" model load {result['load_s']:.2f} s"
    )
    print(f"  {'stage (s)':34} {'p50':>6} {'p95':>6} {'max':>6} {'n':>4}")
    rows = [
        ("end of speech -> final transcript", "to_transcript"),
        ("end of speech -> mood update", "to_mood"),
        ("end of speech -> suggestions out", "to_guidance"),
        ("utterance end (+tail) -> mood", "cut_to_mood"),
        ("split at length limit -> mood", "split_to_mood"),
        ("speech onset -> first words", "first_words"),
    ]
    for label, key in rows:
        q = result[key]
        print(f"  {label:34} {q['p50']:6.2f} {q['p95']:6.2f} {q['max']:6.2f} {q['n']:4d}")
    print(
        f"  worst lag {result['max_lag']:.2f} s; 'behind' reports {result['behind_reports']};"
        f" dropped audio {result['dropped_s']:.1f} s; partial decodes {result['partial_decodes']}"
        f" (skipped {result['partials_skipped']}); early final decodes {result['early_decodes']}"
        f" (used {result['early_used']})"
    )
    print(
        f"  CPU {100 * result['cpu_core_share']:.0f}% of one core (user+sys);"
        f" peak RSS {result['peak_rss_mb']:.0f} MB;"
        f" load average {result['load_avg'][0]:.1f} -> {result['load_avg'][1]:.1f}"
        f" on {os.cpu_count()} cores (shared machine)"
    )
    mood = result["to_mood"]
    verdict = (
        "meets"
        if mood["p50"] <= TARGETS["to_mood_p50"] and mood["p95"] <= TARGETS["to_mood_p95"]
        else "misses"
    )
    first = result["first_words"]["p95"]
    print(
        f"  targets: mood p50 <= 0.6 s and p95 <= 1.2 s -> {verdict};"
        f" first words <= 1.5 s -> p95 {first:.2f} s"
        f" ({'meets' if first <= TARGETS['first_words_max_ok'] else 'misses'})"
    )
    print(f"  heard: {result['text'][:160]}...")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", default="fast,accurate")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--call", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        env = {**os.environ}
        print(json.dumps(run_profile(args.child, Path(args.call), env)))
        return 0
    from tests.live import pulse

    if reason := pulse.available():
        sys.exit(f"cannot run: {reason}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        audio_s = build_call(playlist(), root / "call.wav")
        server = pulse.PulseServer(root / "pulse", "callsink")
        server.start()
        try:
            pulse.alsa_config(root / "asoundrc", {"call_monitor": server})
            env = {
                **server.env(),
                "ALSA_CONFIG_PATH": f"{pulse.SYSTEM_ALSA_CONF}:{root / 'asoundrc'}",
            }
            env["HOME"] = os.environ.get("HOME", "/root")
            print(f"live latency bench: {audio_s:.0f} s of real speech per profile")
            for profile in args.profiles.split(","):
                child = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--child",
                        profile,
                        "--call",
                        str(root / "call.wav"),
                    ],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if child.returncode != 0:
                    print(f"profile {profile} failed:\n{child.stderr[-2000:]}")
                    continue
                report(json.loads(child.stdout.strip().splitlines()[-1]), audio_s)
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
