"""The bundled sample call downmixed to mono against its stereo run, the speaker stage's cost,
and bounded memory on a long mix (run through ``bench/diarization.py --sample`` / ``--long``).

* ``sample_report``: speech attributed to the stereo run's role, DER against the stereo
  transcripts, the suggestions of both runs, and ``analyze`` time by speaker vs as one role;
* ``rss_report``: peak RSS of ``analyze`` on the downmix by speaker vs as one role, each in a
  fresh process (``python bench/diarization_cost.py --rss MODE PATH``);
* ``long_report``: a real two-voice mix repeated for hours, analysed by speaker as a stream.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
for entry in (ROOT, ROOT / "bench"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from diarization import COLLAR_S, assemble, speakers  # noqa: E402
from wer import telephone  # noqa: E402

from agent_assist.audio.files import load_call  # noqa: E402
from agent_assist.contracts import SAMPLE_RATE  # noqa: E402
from agent_assist.speakers.scoring import diarization_error  # noqa: E402
from agent_assist.vad.silero import SileroVad  # noqa: E402

SAMPLE = ROOT / "resources" / "samples" / "sample_call.flac"


def role_grid(spans: Sequence[tuple[float, float, str]], frames: int) -> np.ndarray:
    """The role speaking in each 10 ms frame ('' none, '*' more than one)."""
    grid = np.full(frames, "", dtype=object)
    for start, end, role in spans:
        a, b = int(start * 100), min(int(end * 100), frames)
        here = grid[a:b]
        grid[a:b] = np.where((here == "") | (here == role), role, "*")
    return grid


def run_analyze(path: Path, models: object, config: object) -> tuple[list, float, float]:  # noqa: ANN001
    """The events of one ``analyze`` run, its wall seconds and its CPU seconds (all threads)."""
    from agent_assist.pipeline import analyze_call

    events: list = []
    started, used = time.perf_counter(), cpu_seconds()
    analyze_call(path, models, config, events.append)  # type: ignore[arg-type]
    return events, time.perf_counter() - started, cpu_seconds() - used


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def spans_of(events: list) -> list[tuple[float, float, str]]:
    return [(e.start, e.end, e.speaker) for e in events if e.type == "transcript"]


def sample_report(folder: Path) -> None:
    """The bundled stereo sample call against its downmix (wideband and at 8 kHz)."""
    from agent_assist.config import Config, with_values
    from agent_assist.core import load_models

    config = Config()
    models = load_models(config)
    stereo, _, _ = run_analyze(SAMPLE, models, config)
    reference = spans_of(stereo)
    fired = [e.id for e in stereo if e.type == "suggestion"]
    tracks = load_call(SAMPLE)
    mix = (tracks["agent"] + tracks["customer"]) / 2
    wide = folder / "sample_mono.wav"
    sf.write(wide, mix, SAMPLE_RATE, subtype="PCM_16")
    narrow = folder / "sample_mono.8k.wav"
    sf.write(narrow, telephone(mix), 8_000, subtype="PCM_16")
    plain_config = with_values(config, {"speakers.separate": False})
    ge2e_config = with_values(config, {"speakers.model": "ge2e"})
    from agent_assist.speakers.mono import speaker_encoder

    speaker_encoder(), speaker_encoder("ge2e")  # loaded once per process, like the other models
    for label, path in (("downmix 16 kHz", wide), ("downmix at 8 kHz", narrow)):
        runs = [run_analyze(path, models, c) for c in (config, plain_config, ge2e_config) * 3]
        events = runs[0][0]
        seconds, cpu = np.median([r[1:] for r in runs[0::3]], axis=0)  # median of 3, each
        plain_seconds, plain_cpu = np.median([r[1:] for r in runs[1::3]], axis=0)
        ge2e_seconds, ge2e_cpu = np.median([r[1:] for r in runs[2::3]], axis=0)
        frames = int(len(mix) / SAMPLE_RATE * 100) + 1
        truth, found = role_grid(reference, frames), role_grid(spans_of(events), frames)
        scored = (truth != "") & (truth != "*")
        same = float(np.mean(found[scored] == truth[scored]))
        mono_fired = [e.id for e in events if e.type == "suggestion"]
        info = [e for e in events if e.type == "summary"][0].diarization
        der = diarization_error([(a, b, r) for a, b, r in reference], spans_of(events), COLLAR_S)
        print(
            f"sample call {label}: {info['note']}, roles {info['roles']} by {info['role_rule']}"
            f" (confidence {info['role_confidence']:.2f}); speech given the stereo run's role"
            f" {same:.1%}; DER against the stereo transcripts {der.der:.1%}"
        )
        print(f"  evidence: {'; '.join(info['evidence'])}")
        print(
            f"  suggestions stereo {fired}\n  suggestions mono   {mono_fired}"
            f" ({'the same' if sorted(fired) == sorted(mono_fired) else 'different'})"
        )
        for model, wall, used in (("CAM++", seconds, cpu), ("GE2E", ge2e_seconds, ge2e_cpu)):
            print(
                f"  analyze {wall:.2f} s by speaker ({model}) vs {plain_seconds:.2f} s as one role"
                f" (median of 3, alternating): the speaker stage adds"
                f" {wall / plain_seconds - 1:.0%} wall; CPU (all threads) {used:.2f} s vs"
                f" {plain_cpu:.2f} s ({used / plain_cpu - 1:+.0%})"
            )


def rss_child(mode: str, path: Path) -> None:
    """Peak RSS of one analyze run in this process (``--rss``)."""
    from agent_assist.config import Config, with_values
    from agent_assist.core import load_models

    config = with_values(Config(), {"speakers.separate": mode == "separated"})
    run_analyze(path, load_models(config), config)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def rss_report(folder: Path) -> None:
    mix = load_call(SAMPLE)
    path = folder / "rss.wav"
    sf.write(path, (mix["agent"] + mix["customer"]) / 2, SAMPLE_RATE, subtype="PCM_16")
    peaks = {}
    for mode in ("plain", "separated"):
        out = subprocess.run(
            [sys.executable, __file__, "--rss", mode, str(path)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        peaks[mode] = int(out[-1]) / 1024
    print(
        f"peak RSS of analyze on the downmixed sample call: {peaks['separated']:.0f} MB by speaker"
        f" vs {peaks['plain']:.0f} MB as one role (+{peaks['separated'] - peaks['plain']:.0f} MB)"
    )


def long_report(hours: float) -> None:
    """Bounded memory: a real two-voice mix repeated for ``hours``, written as one mono file and
    analysed by speaker as ``analyze`` does (diarized, transcribed, scored), streamed."""
    import tempfile

    from agent_assist.config import Config
    from agent_assist.core import load_models
    from agent_assist.pipeline import analyze_call

    vad = SileroVad.load()
    pool = speakers(vad)
    call = assemble(pool[1], pool[3], np.random.default_rng(1))
    repeats = int(np.ceil(hours * 3600 / (len(call.audio) / SAMPLE_RATE)))
    config = Config()
    models = load_models(config)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long_mono.wav"
        with sf.SoundFile(path, "w", SAMPLE_RATE, 1, subtype="PCM_16") as out:
            for _ in range(repeats):
                out.write(np.clip(call.audio, -1.0, 1.0))
        run_analyze(SAMPLE, models, config)  # warm: every model loaded, the peak of a short call
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        counts: dict[str, int] = {}

        def count(event: object) -> None:
            kind = type(event).__name__
            counts[kind] = counts.get(kind, 0) + 1

        started = time.perf_counter()
        summary = analyze_call(path, models, config, count)
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{summary.duration / 3600:.2f} h of a real two-voice mix ({call.name}, mono) analysed"
        f" by speaker in {seconds:.0f} s: {summary.diarization['note']},"  # type: ignore[index]
        f" {counts.get('TranscriptFinal', 0)} transcript lines, {counts.get('Suggestion', 0)}"
        f" suggestions; peak RSS {peak:.0f} MB ({before:.0f} MB after a short call first:"
        f" +{peak - before:.0f} MB)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rss", nargs=2, metavar=("MODE", "PATH"), required=True)
    args = parser.parse_args()
    rss_child(args.rss[0], Path(args.rss[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
