"""Speaker embeddings on real speech: same-vs-different speaker separation, speed, memory.

    .venv/bin/python bench/fetch_data.py        # once: DATA.md speech into data-cache/speech
    nice -n 10 .venv/bin/python bench/speaker_embed.py [--threads 2] [--rounds 30] [--no-accuracy]

Accuracy: seven real speakers of ../shared/DATA.md, each recording its own (JFK; the LibriVox
reader and the "cards" speaker of pocketsphinx; the MFA speaker, healthy and with a cold;
the four-utterance se10x016 speaker; LibriSpeech speaker 61; MLS speaker 13697). Each
recording keeps only its speech (the project's Silero VAD at its default settings, as
diarization sees it; ``--no-vad`` keeps the pauses), cut into non-overlapping 1.6 s windows
(what diarization compares) and into 3 s segments (embedding = normalised mean of its
half-overlapping windows); every pair of windows (segments) is a trial, same or different
speaker. Printed: equal error rate (EER, the
threshold where false accepts = false rejects), mean cosine of same / different pairs, and the
fraction of different-speaker pairs above the lowest-5 % same-speaker cosine. Conditions:
wideband 16 kHz, and telephone: 8 kHz, 300-3400 Hz (bench/wer.py), white noise 20 dB under
the speech, given to the encoder at 8 kHz.

Speed: median of ``--rounds`` runs of 32 windows (1.6 s of real speech every 0.4 s, features
included, as ``embed_windows`` batches them) and of one window alone, on ``--threads``
onnxruntime threads; wall time and process CPU time (all threads), per window. Memory: RSS
before loading the model (numpy and onnxruntime imported, as in ``analyze``), after loading,
and the peak while embedding 60 s of speech.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as agent_assist sets it (numpy first here)

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
for entry in (ROOT, ROOT / "bench"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from wer import telephone, utterances_of  # noqa: E402

from agent_assist.audio.files import load_call  # noqa: E402
from agent_assist.audio.resample import resample  # noqa: E402
from agent_assist.config import VadConfig  # noqa: E402
from agent_assist.speakers.campplus import CamppEncoder  # noqa: E402
from agent_assist.speakers.encoder import SpeakerEncoder  # noqa: E402
from agent_assist.vad.silero import SileroVad  # noqa: E402

SPEECH = ROOT / "data-cache" / "speech"
SNR_DB = 20.0


def speakers() -> dict[str, list[Path]]:
    mfa = SPEECH / "mfa" / "wav"
    psx = SPEECH / "pocketsphinx"
    groups = {
        "jfk": [SPEECH / "jfk" / "jfk.wav"],
        "librivox-reader": sorted((psx / "librivox").glob("*.wav")),
        "cards-speaker": sorted((psx / "cards").glob("*.wav")),
        "mfa-speaker": [
            mfa / f"{n}.wav" for n in ("acoustic_corpus", "cold_corpus", "cold_corpus3")
        ],
        "se10x016": sorted(mfa.glob("se10x016-*.wav")),
        "librispeech-61": [mfa / "61-70968-0000.flac"],
        "mls-13697": [mfa / "13697_11991_000000.opus"],
    }
    for name, files in groups.items():
        if not files or not all(f.is_file() for f in files):
            raise SystemExit(f"{name}: recordings missing; run bench/fetch_data.py first")
    return groups


def noisy_telephone(audio: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    narrow = telephone(audio)
    level = float(np.sqrt(np.mean(np.square(narrow)))) or 1e-3
    return (narrow + rng.standard_normal(len(narrow)) * level * 10 ** (-SNR_DB / 20)).astype(
        np.float32
    )


def eer(same: np.ndarray, different: np.ndarray) -> float:
    scores = np.concatenate([same, different])
    labels = np.concatenate([np.ones(len(same)), np.zeros(len(different))])
    order = np.argsort(-scores)
    labels = labels[order]
    false_reject = 1 - np.cumsum(labels) / len(same)
    false_accept = np.cumsum(1 - labels) / len(different)
    best = int(np.argmin(np.abs(false_reject - false_accept)))
    return float((false_reject[best] + false_accept[best]) / 2)


def trials(embeddings: np.ndarray, owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sims = embeddings @ embeddings.T
    upper = np.triu_indices(len(owners), 1)
    same = owners[upper[0]] == owners[upper[1]]
    return sims[upper][same], sims[upper][~same]


def report(label: str, embeddings: np.ndarray, owners: np.ndarray) -> None:
    same, different = trials(embeddings, owners)
    low_same = float(np.quantile(same, 0.05))
    overlap = float(np.mean(different > low_same))
    print(
        f"  {label:13} {len(owners):4d} items  EER {100 * eer(same, different):5.1f} %   "
        f"cos same {same.mean():.3f} / different {different.mean():.3f}   "
        f"different above 5th-pct same {100 * overlap:4.1f} %"
    )


def speech_of(audio: np.ndarray, rate: int, vad: SileroVad | None) -> np.ndarray:
    """The speech stretches of ``audio`` joined (at ``rate``), as VAD regions give them."""
    if vad is None:
        return audio
    wide = audio if rate == 16000 else resample(audio, rate, 16000)
    spans = [(u.start, u.speech_end or u.end) for u in utterances_of(wide, vad, VadConfig())]
    parts = [audio[int(start * rate) : int(end * rate)] for start, end in spans]
    return np.concatenate(parts) if parts else audio[:0]


def accuracy(encoder: SpeakerEncoder | CamppEncoder, vad: SileroVad | None) -> None:
    groups = speakers()
    for condition in ("wideband", "telephone"):
        rng = np.random.default_rng(20261205)
        windows, window_owner, segments, segment_owner = [], [], [], []
        seconds = 0.0
        for index, files in enumerate(groups.values()):
            for path in files:
                audio = load_call(path)["customer"]
                rate = 16000
                if condition == "telephone":
                    audio, rate = noisy_telephone(audio, rng), 8000
                audio = speech_of(audio, rate, vad)
                seconds += len(audio) / rate
                _, found = encoder.embed_windows(audio, rate, window_s=1.6, step_s=1.6)
                windows.append(found)
                window_owner += [index] * len(found)
                piece = 3 * rate
                for start in range(0, len(audio) - piece + 1, piece):
                    segments.append(encoder.embed(audio[start : start + piece], rate))
                    segment_owner.append(index)
        kept = "speech only (VAD)" if vad else "whole recordings"
        print(f"{condition}: {len(groups)} speakers, {seconds:.0f} s, {kept}")
        report("1.6 s windows", np.concatenate(windows), np.array(window_owner))
        report("3 s segments", np.stack(segments), np.array(segment_owner))


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size in MB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def load(model: str, threads: int) -> SpeakerEncoder | CamppEncoder:
    if model == "campplus":
        return CamppEncoder.load(threads=threads)
    return SpeakerEncoder.load(threads=threads)


def speed(model: str, threads: int, rounds: int) -> None:
    before, _ = rss_mb()
    started = time.perf_counter()
    encoder = load(model, threads)
    load_s = time.perf_counter() - started
    loaded, _ = rss_mb()
    speech = load_call(SPEECH / "mfa" / "wav" / "acoustic_corpus.wav")["customer"]
    batch = speech[: int((31 * 0.4 + 1.6) * 16000)]  # 32 windows of 1.6 s every 0.4 s
    one = speech[: int(1.6 * 16000)]
    batch_ms, batch_cpu, one_ms = [], [], []
    for _ in range(rounds):
        started, cpu = time.perf_counter(), time.process_time()
        _, out = encoder.embed_windows(batch)
        batch_ms.append((time.perf_counter() - started) * 1000 / len(out))
        batch_cpu.append((time.process_time() - cpu) * 1000 / len(out))
        started = time.perf_counter()
        encoder.embed_windows(one)
        one_ms.append((time.perf_counter() - started) * 1000)
    minute = np.tile(speech, 3)[: 60 * 16000]
    _, starting_peak = rss_mb()
    encoder.embed_windows(minute)
    after, peak = rss_mb()
    load_avg = os.getloadavg()[0]
    print(f"speed ({threads} thread(s), median of {rounds}, load average {load_avg:.1f})")
    print(
        f"  load {load_s * 1000:.0f} ms; 32 windows: {np.median(batch_ms):.2f} ms wall, "
        f"{np.median(batch_cpu):.2f} ms CPU a window; one window alone "
        f"{statistics.median(one_ms):.2f} ms"
    )
    peak_added = max(peak, starting_peak) - before
    print(
        f"  RSS {before:.0f} MB before load, +{loaded - before:.1f} MB loaded, "
        f"+{after - before:.1f} MB after 60 s of speech (peak +{peak_added:.1f} MB)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=["ge2e", "campplus"], default="ge2e")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--no-accuracy", action="store_true")
    parser.add_argument("--no-vad", action="store_true", help="keep the pauses (no VAD)")
    args = parser.parse_args()
    print(f"model: {args.model}")
    speed(args.model, args.threads, args.rounds)
    if not args.no_accuracy:
        vad = None if args.no_vad else SileroVad.load()
        accuracy(load(args.model, args.threads), vad)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
