"""Word error rate and speed of both Whisper profiles on the DATA.md speech sets.

Each recording goes through the product's own path: ``load_call`` -> streaming Silero VAD
segmenter -> ``WhisperTranscriber`` per utterance (AsrConfig defaults unless overridden), once
at its own sample rate and once as telephone audio (resampled to 8 kHz, band-passed to
300-3400 Hz, written as a 16-bit 8 kHz WAV and loaded back, i.e. resampled to 16 kHz).
Then silent and noise clips (no speech at all) count hallucinations: through the whole
pipeline, through the guarded transcriber alone (VAD bypassed), and through plain
faster-whisper ``transcribe`` with its default options (no guards) for comparison.

Run ``.venv/bin/python bench/fetch_data.py`` first, then ``.venv/bin/python bench/wer.py``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from agent_assist.asr.metrics import word_errors  # noqa: E402
from agent_assist.asr.whisper import WhisperTranscriber  # noqa: E402
from agent_assist.audio.files import load_call  # noqa: E402
from agent_assist.audio.resample import resample  # noqa: E402
from agent_assist.config import AsrConfig, VadConfig  # noqa: E402
from agent_assist.contracts import SAMPLE_RATE, Transcriber, Utterance  # noqa: E402
from agent_assist.vad.segmenter import Segmenter  # noqa: E402
from agent_assist.vad.silero import SileroVad  # noqa: E402

DATA = ROOT / "data-cache" / "speech"
PROFILES = ("fast", "accurate")
MODES = {
    "utterance": "VAD segmenter + one transcribe() per utterance",
    "live": "VAD segmenter + one transcribe() per utterance, live settings (short window, greedy)",
    "packed": "VAD segmenter + transcribe_many() (utterances packed into 30 s windows)",
    "bare": "plain faster-whisper transcribe(vad_filter=True), no guards (reference)",
}
CONDITIONS = {"native": "native rate", "telephone": "8 kHz telephone band (300-3400 Hz)"}


@dataclass(frozen=True)
class Clip:
    path: Path
    reference: str


@dataclass
class Score:
    clips: int = 0
    words: int = 0
    errors: int = 0
    audio_s: float = 0.0
    process_s: float = 0.0
    cpu_s: float = 0.0

    def add(self, other: Score) -> None:
        self.clips += other.clips
        self.words += other.words
        self.errors += other.errors
        self.audio_s += other.audio_s
        self.process_s += other.process_s
        self.cpu_s += other.cpu_s


def _lab(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip()


def _sphinx(transcription: Path) -> dict[str, str]:
    """Parse ``<s> words </s> (id)`` lines."""
    refs = {}
    for line in transcription.read_text().splitlines():
        if "(" not in line:
            continue
        text, _, rest = line.rpartition("(")
        refs[rest.strip(" )")] = text.replace("<s>", " ").replace("</s>", " ").strip()
    return refs


def speech_sets() -> dict[str, list[Clip]]:
    mfa = DATA / "mfa"
    jfk_text = (
        "And so my fellow Americans, ask not what your country can do for you,"
        " ask what you can do for your country."
    )
    sets = {
        "jfk": [Clip(DATA / "jfk" / "jfk.wav", jfk_text)],
        "mfa-spontaneous": [
            Clip(mfa / "wav" / f"{name}.wav", _lab(mfa / "lab" / f"{name}.lab"))
            for name in ("acoustic_corpus", "cold_corpus", "cold_corpus3")
        ],
        "mfa-read": [
            Clip(mfa / "wav" / "61-70968-0000.flac", _lab(mfa / "lab" / "61-70968-0000.lab"))
        ]
        + [
            Clip(mfa / "wav" / f"{name}.mp3", _lab(mfa / "lab" / f"{name}.lab"))
            for name in (
                "common_voice_en_22058264",
                "common_voice_en_22058266",
                "common_voice_en_22058267",
            )
        ],
    }
    for name in ("librivox", "cards"):
        folder = DATA / "pocketsphinx" / name
        transcription = next(folder.glob("*transcription"))
        sets[f"psx-{name}"] = [
            Clip(folder / f"{key}.wav", text)
            for key, text in sorted(_sphinx(transcription).items())
        ]
    return sets


def telephone(audio: np.ndarray) -> np.ndarray:
    """8 kHz, 300-3400 Hz band (smooth 100 Hz edges), as a phone line delivers it."""
    narrow = resample(audio, SAMPLE_RATE, 8_000)
    spectrum = np.fft.rfft(narrow)
    freqs = np.fft.rfftfreq(len(narrow), 1 / 8_000)
    low = np.clip((freqs - 250.0) / 100.0, 0.0, 1.0)
    high = np.clip((3450.0 - freqs) / 100.0, 0.0, 1.0)
    mask = np.sin(0.5 * np.pi * low) ** 2 * np.sin(0.5 * np.pi * high) ** 2
    return np.fft.irfft(spectrum * mask, n=len(narrow)).astype(np.float32)


def _telephone_file(clip: Clip, folder: Path) -> Path:
    audio = load_call(clip.path, mono_role="customer")["customer"]
    target = folder / (clip.path.stem + ".8k.wav")
    sf.write(target, np.clip(telephone(audio), -1.0, 1.0), 8_000, subtype="PCM_16")
    return target


Runner = Callable[[Path], tuple[str, float]]


def utterances_of(audio: np.ndarray, vad: SileroVad, vad_config: VadConfig) -> list[Utterance]:
    vad.reset()
    segmenter = Segmenter("customer", vad, vad_config)
    found: list[Utterance] = []
    for begin in range(0, len(audio), 8_000):
        chunk = audio[begin : begin + 8_000]
        found += [u for u in segmenter.accept(chunk) if isinstance(u, Utterance)]
    return found + segmenter.finish()


def runner(mode: str, vad: SileroVad, asr: WhisperTranscriber, vad_config: VadConfig) -> Runner:
    """(text, audio s) of one mono file: load -> VAD segmenter -> ASR, or bare faster-whisper."""
    live = asr.for_live()

    def run(path: Path) -> tuple[str, float]:
        audio = load_call(path)["customer"]
        seconds = len(audio) / SAMPLE_RATE
        if mode == "bare":
            segments, _ = asr.model.transcribe(
                audio, language="en", beam_size=asr.config.beam, vad_filter=True
            )
            return " ".join(s.text.strip() for s in segments), seconds
        found = utterances_of(audio, vad, vad_config)
        if mode == "packed":
            results = asr.transcribe_many([u.audio for u in found])
        elif mode == "live":
            results = [live.transcribe(u.audio) for u in found]
        else:
            results = [asr.transcribe(u.audio) for u in found]
        return " ".join(r.text for r in results if r.text), seconds

    return run


def score_set(clips: list[Clip], run: Runner, repeat: int, show: bool) -> Score:
    score = Score()
    for clip in clips:
        times, cpu = [], []
        for _ in range(repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            text, seconds = run(clip.path)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        errors, words = word_errors(clip.reference, text)
        if show:
            print(f"    {clip.path.name}: {errors}/{words}  {text!r}")
        score.add(
            Score(1, words, errors, seconds, statistics.median(times), statistics.median(cpu))
        )
    return score


def noise_clips(seconds: float = 5.0) -> dict[str, np.ndarray]:
    """Ten clips without speech: digital silence, hiss, coloured noise, mains hum, line noise."""
    rng = np.random.default_rng(2024)
    n = int(seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE

    def level(x: np.ndarray, dbfs: float) -> np.ndarray:
        return (x / np.sqrt(np.mean(x**2)) * 10 ** (dbfs / 20)).astype(np.float32)

    white = rng.standard_normal(n)
    brown = np.cumsum(rng.standard_normal(n))
    brown -= np.convolve(brown, np.ones(801) / 801, mode="same")
    pink = np.fft.irfft(np.fft.rfft(rng.standard_normal(n)) / np.sqrt(np.arange(n // 2 + 1) + 1), n)
    hum = np.sum([np.sin(2 * np.pi * 50 * k * t) / k for k in (1, 2, 3, 5)], axis=0)
    return {
        "zeros": np.zeros(n, dtype=np.float32),
        "dither -90 dBFS": level(white, -90),
        "white -60 dBFS": level(white, -60),
        "white -45 dBFS": level(white, -45),
        "white -30 dBFS": level(white, -30),
        "pink -40 dBFS": level(pink, -40),
        "brown -35 dBFS": level(brown, -35),
        "hum 50 Hz -35 dBFS": level(hum, -35),
        "phone line -45 dBFS": level(resample(telephone(white.astype(np.float32)), 8_000), -45),
        "hum + hiss -40 dBFS": level(hum + 0.5 * white, -40),
    }


def count_hallucinations(
    clips: dict[str, np.ndarray], transcribe: Callable[[np.ndarray], str]
) -> tuple[int, list[str]]:
    texts = [(name, transcribe(audio).strip()) for name, audio in clips.items()]
    found = [f"{name}: {text!r}" for name, text in texts if text]
    return len(found), found


def through_pipeline(
    vad: SileroVad, asr: Transcriber, vad_config: VadConfig
) -> Callable[[np.ndarray], str]:
    def run(audio: np.ndarray) -> str:
        return " ".join(asr.transcribe(u.audio).text for u in utterances_of(audio, vad, vad_config))

    return run


def unguarded(asr: WhisperTranscriber, beam: int) -> Callable[[np.ndarray], str]:
    model = asr.model  # the same loaded model, called with faster-whisper's defaults

    def run(audio: np.ndarray) -> str:
        segments, _ = model.transcribe(audio, language="en", beam_size=beam)
        return " ".join(s.text.strip() for s in segments)

    return run


def _row(name: str, s: Score) -> str:
    wer = s.errors / s.words if s.words else 0.0
    rtf = s.process_s / s.audio_s if s.audio_s else 0.0
    return (
        f"| {name} | {s.clips} | {s.words} | {s.audio_s:.1f} | {s.process_s:.1f} | {s.cpu_s:.1f}"
        f" | {rtf:.3f}"
        f" | {1 / rtf if rtf else 0:.1f}x | {100 * wer:.1f} % |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", default=list(PROFILES), choices=PROFILES)
    parser.add_argument("--beam", type=int, default=0, help="0: each profile's default")
    parser.add_argument("--tail-ms", type=int, default=VadConfig().tail_ms, help="vad.tail_ms")
    parser.add_argument(
        "--live-window", type=float, default=AsrConfig().live_window_s, help="asr.live_window_s"
    )
    parser.add_argument("--threads", type=int, default=AsrConfig().cpu_threads)
    parser.add_argument("--vad-threshold", type=float, default=VadConfig().threshold)
    parser.add_argument("--conditions", nargs="+", default=list(CONDITIONS), choices=CONDITIONS)
    parser.add_argument(
        "--modes", nargs="+", default=["utterance", "live", "packed"], choices=MODES
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per clip; median time")
    parser.add_argument("--sets", nargs="*", help="only these sets")
    parser.add_argument("--show", action="store_true", help="print every hypothesis")
    parser.add_argument("--no-noise", action="store_true", help="skip the hallucination count")
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"{DATA} is missing: run .venv/bin/python bench/fetch_data.py first", file=sys.stderr)
        return 2
    sets = {k: v for k, v in speech_sets().items() if not args.sets or k in args.sets}
    vad = SileroVad.load()
    vad_config = VadConfig(threshold=args.vad_threshold, tail_ms=args.tail_ms)
    header = "| set | clips | ref words | audio s | wall s | CPU s | RTF (wall) | speed | WER |"
    rule = "|---|---|---|---|---|---|---|---|---|"
    print(
        f"beam {args.beam or 'per profile'}, int8, cpu_threads {args.threads},"
        f" VAD threshold {args.vad_threshold}, tail {args.tail_ms} ms,"
        f" live: beam {AsrConfig().live_beam_size}, encoder window >= {args.live_window} s;"
        " RTF = wall processing s / audio s; CPU s = process CPU time (all threads)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        phone = {
            k: [Clip(_telephone_file(c, Path(tmp)), c.reference) for c in v]
            for k, v in sets.items()
        }
        for profile in args.profiles:
            config = AsrConfig(
                profile=profile,
                beam_size=args.beam,
                cpu_threads=args.threads,
                live_window_s=args.live_window,
            )
            started = time.perf_counter()
            asr = WhisperTranscriber.load(config)
            loaded = time.perf_counter() - started
            print(
                f"\n### {asr.model_name} (profile {profile}, beam {config.beam}),"
                f" load {loaded:.2f} s"
            )
            for condition, chosen in (("native", sets), ("telephone", phone)):
                if condition not in args.conditions:
                    continue
                for mode in args.modes:
                    print(f"\n{CONDITIONS[condition]}, {MODES[mode]}\n\n{header}\n{rule}")
                    run = runner(mode, vad, asr, vad_config)
                    total = Score()
                    for name, clips in chosen.items():
                        score = score_set(clips, run, args.repeat, args.show)
                        total.add(score)
                        print(_row(name, score), flush=True)
                    print(_row("**all**", total))
            if not args.no_noise:
                quiet = noise_clips()
                print(f"\nhallucinations on {len(quiet)} clips without speech (5 s each):")
                for label, transcribe in (
                    ("pipeline (VAD + guarded ASR)", through_pipeline(vad, asr, vad_config)),
                    (
                        f"live path (window >= {config.live_window_s:.0f} s)",
                        through_pipeline(vad, asr.for_live(), vad_config),
                    ),
                    ("guarded ASR alone", asr_text(asr)),
                    ("plain faster-whisper defaults", unguarded(asr, config.beam)),
                ):
                    count, texts = count_hallucinations(quiet, transcribe)
                    print(f"  {label}: {count}/{len(quiet)} with text  {'; '.join(texts)}")
    return 0


def asr_text(asr: WhisperTranscriber) -> Callable[[np.ndarray], str]:
    return lambda audio: asr.transcribe(audio).text


if __name__ == "__main__":
    raise SystemExit(main())
