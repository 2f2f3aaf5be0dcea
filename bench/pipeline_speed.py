"""Whole `analyze` pipeline vs faster-whisper's plain `transcribe(vad_filter=True)`, same audio.

For each speech profile, in a fresh process (so peak RSS is that profile's alone): load the
models once, then per recording take the median of ``--repeat`` runs of
  * pipeline: load the file → streaming VAD segmenter → packed transcription with the guards →
    sentiment → mood → guidance → summary (``agent_assist.pipeline.analyze_call``);
  * bare: ``WhisperModel.transcribe(audio, vad_filter=True)`` on the same 16 kHz audio, with the
    same model object, beam size and threads (segments consumed, nothing else).
The pipeline runs with ``speakers.separate`` off (one role, as before speaker separation: the
call core's own cost); ``--speakers`` adds a timing per recording with separation on, for each
speaker encoder (``speakers.model``: CAM++, the default, and GE2E), and
prints what the speaker stage adds (issue 21's target: ≤ 15 %; these recordings are one speaker
each, so it is the stage's cost, not its accuracy).
Prints seconds, the pipeline / bare ratio (target ≤ 1.2), the real-time factor as "× faster
than real time" (target with base: ≥ 8× on the spontaneous recordings), peak RSS (target
≤ 600 MB with base) and the CPU seconds (all threads) of each, the stable figure on a shared
machine. Never asserts.

    .venv/bin/python bench/fetch_data.py          # once: DATA.md recordings into data-cache/
    .venv/bin/python bench/pipeline_speed.py [--profiles fast accurate] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent_assist.config import PROFILE_BEAMS, AsrConfig  # noqa: E402

SPONTANEOUS = ROOT / "data-cache" / "speech" / "mfa" / "wav"
RECORDINGS = ["acoustic_corpus.wav", "cold_corpus.wav", "cold_corpus3.wav"]


SPEAKER_MODELS = ("campplus", "ge2e")
"""``--speakers`` times separation with each speaker encoder (``speakers.model``)."""


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def median_time(run, repeat: int) -> tuple[float, float]:  # noqa: ANN001
    """Median wall seconds and median CPU seconds (all threads, user + sys) of ``repeat`` runs:
    on a shared machine the CPU figure is the stable one."""
    times, cpu = [], []
    for _ in range(repeat):
        started, used = time.perf_counter(), cpu_seconds()
        run()
        times.append(time.perf_counter() - started)
        cpu.append(cpu_seconds() - used)
    return statistics.median(times), statistics.median(cpu)


def measure(profile: str, repeat: int, speakers: bool) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(ROOT))
    from agent_assist.audio.files import load_call
    from agent_assist.config import Config, with_values
    from agent_assist.pipeline import analyze_call, load_models

    config = Config.model_validate(
        {
            "asr": {"profile": profile},
            "audio": {"mono_role": "customer"},
            "speakers": {"separate": False},
        }
    )
    splits = {
        model: with_values(config, {"speakers.separate": True, "speakers.model": model})
        for model in SPEAKER_MODELS
    }
    models = load_models(config)
    whisper = models.transcriber.model  # type: ignore[attr-defined]
    total_audio = total_pipeline = total_bare = total_cpu = total_bare_cpu = 0.0
    total_split = dict.fromkeys(SPEAKER_MODELS, 0.0)
    total_split_cpu = dict.fromkeys(SPEAKER_MODELS, 0.0)
    for name in RECORDINGS:
        path = SPONTANEOUS / name
        audio = load_call(path)["customer"]
        seconds = len(audio) / 16_000

        def pipeline(path: Path = path) -> None:
            analyze_call(path, models, config, lambda event: None)

        def separated(path: Path = path, model: str = "campplus") -> None:
            analyze_call(path, models, splits[model], lambda event: None)

        def bare(audio=audio) -> None:  # noqa: ANN001
            segments, _ = whisper.transcribe(
                audio, language="en", beam_size=config.asr.beam, vad_filter=True
            )
            list(segments)

        pipeline()  # warm-up
        (piped, piped_cpu), (plain, plain_cpu) = (
            median_time(pipeline, repeat),
            median_time(bare, repeat),
        )
        for model in SPEAKER_MODELS if speakers else ():
            separated(model=model)  # warm-up: loads the speaker model
            split_s, split_cpu = median_time(lambda m=model: separated(model=m), repeat)
            total_split[model] += split_s
            total_split_cpu[model] += split_cpu
        total_audio += seconds
        total_pipeline += piped
        total_bare += plain
        total_cpu += piped_cpu
        total_bare_cpu += plain_cpu
        print(
            f"  {name:22} {seconds:6.1f} s audio  pipeline {piped:6.2f} s  bare {plain:6.2f} s"
            f"  ratio {piped / plain:4.2f}  pipeline {seconds / piped:5.1f}x real time"
            f"  CPU {piped_cpu:5.2f} / {plain_cpu:5.2f} s"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"  TOTAL {profile}: {total_audio:.1f} s audio, pipeline {total_pipeline:.2f} s, "
        f"bare {total_bare:.2f} s, ratio {total_pipeline / total_bare:.2f} (target <= 1.2), "
        f"pipeline {total_audio / total_pipeline:.1f}x real time, peak RSS {peak_mb:.0f} MB;"
        f" CPU pipeline {total_cpu:.2f} s, bare {total_bare_cpu:.2f} s,"
        f" ratio {total_cpu / total_bare_cpu:.2f}"
    )
    for model in SPEAKER_MODELS if speakers else ():
        wall, cpu = total_split[model], total_split_cpu[model]
        print(
            f"  SPEAKERS {profile} ({model}): separated {wall:.2f} s"
            f" vs one role {total_pipeline:.2f} s"
            f" ({wall / total_pipeline - 1:+.0%} wall, target <= +15 %);"
            f" CPU {cpu:.2f} s vs {total_cpu:.2f} s"
            f" ({cpu / total_cpu - 1:+.0%}); peak RSS above includes the stage"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", default=["fast", "accurate"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--speakers", action="store_true", help="also time mono speaker separation"
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        measure(args.one, args.repeat, args.speakers)
        return 0
    if not SPONTANEOUS.is_dir():
        print("run bench/fetch_data.py first", file=sys.stderr)
        return 1
    beams = ", ".join(f"{p} {b}" for p, b in PROFILE_BEAMS.items() if p in args.profiles)
    threads = f"cpu_threads {AsrConfig().cpu_threads}, {os.cpu_count()} cores"
    print(f"int8, beam {beams}, {threads}; median of {args.repeat}")
    for profile in args.profiles:
        print(f"profile {profile}:", flush=True)
        subprocess.run(
            [
                sys.executable, __file__, "--one", profile, "--repeat", str(args.repeat),
                *(["--speakers"] if args.speakers else []),
            ],
            check=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
