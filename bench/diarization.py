"""Diarization on real speech with known speakers: DER, speaker-attributed WER, roles, cost.

Mono "calls" are assembled from the DATA.md recordings of five different real speakers (the
MFA spontaneous speaker, the LibriVox reader of pocketsphinx, the pocketsphinx "cards" speaker,
JFK, LibriSpeech speaker 61): every pair of speakers makes one call. Each recording is cut at
its own pauses into pieces of 0.5-6 s (some turns are under 1 s), and the two speakers' pieces
alternate, each speaker's in their original order, with natural gaps (0.15-1.2 s) and, at about
one change in six, an overlap of 0.2-0.6 s; each speaker gets its own level. The ground truth is
how the call was assembled (speech spans inside each piece from Silero VAD run on the piece
alone, at threshold 0.5). The same calls are also scored band-limited to 8 kHz (300-3400 Hz)
with white noise at 20 dB SNR, written as 8 kHz WAV files and read back as ``analyze`` does.

Printed per condition: DER with a 0.25 s collar (missed / false alarm / confusion), the number
of speakers found, speaker-attributed WER (the words as ``analyze`` gets them: the regions
transcribed, each word given to the speaker whose turn it falls in; each speaker's words in
order against that speaker's reference, hypothesis speakers mapped onto true ones) against
plain WER (the same recognised words attributed by the true speaker at each word's time: ASR
errors alone), and roles: no
DATA.md recording is a greeting or a closing, so on these mixes roles can only come from the
fallback rule — the bench reports how often a cue fired on real speech (a false cue) and how
often the decision was (rightly) flagged as uncertain. ``--sample`` adds the bundled sample
call downmixed to mono against its stereo run (``sample`` section).

``--voices 3`` assembles a transfer from every three of the five speakers instead (the first
two alternate, then the third takes over from the first for the second half of the second's
pieces), ``--voices 1`` each speaker alone: with the default two speakers asked, how often the
number of voices assembled is the number found (a third voice must not be merged silently,
one voice must give one speaker). ``--repeat N`` plays each mix N times over: a longer call,
with more speech per voice, from the little speech each DATA.md speaker has (a voice split in
two must not become a further speaker because each half now has enough speech). ``--ivr``
opens every two-voice mix with a real phone menu (``bench/diarization_ivr.py``): three voices,
and the menu's must be ``other``, not the agent. Roles: how often the agent role went to the
first human voice (the fallback rule's guess, right on these mixes by construction).

    .venv/bin/python bench/fetch_data.py          # once
    nice -n 10 .venv/bin/python bench/diarization.py [--no-wer] [--sample] [--seed 7]
    nice -n 10 .venv/bin/python bench/diarization.py --no-wer --voices 3   # or --voices 1
    nice -n 10 .venv/bin/python bench/diarization.py --no-wer --repeat 4   # longer calls
    nice -n 10 .venv/bin/python bench/diarization.py --ivr     # a phone menu first
    nice -n 10 .venv/bin/python bench/diarization.py --sample-only   # sample call, cost, RSS
    nice -n 10 .venv/bin/python bench/diarization.py --long 2        # 2 h in bounded memory

The sample-call, cost and long-run parts are in ``bench/diarization_cost.py``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as agent_assist sets it (numpy first here)

import numpy as np  # noqa: E402
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
for entry in (ROOT, ROOT / "bench"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from wer import Clip, speech_sets, telephone, utterances_of  # noqa: E402

from agent_assist.asr.metrics import word_errors  # noqa: E402
from agent_assist.audio.files import load_call, open_call  # noqa: E402
from agent_assist.config import VadConfig  # noqa: E402
from agent_assist.contracts import SAMPLE_RATE  # noqa: E402
from agent_assist.speakers.diarize import (  # noqa: E402
    NARROW_BELOW_HZ,
    Diarizer,
    DiarizeSettings,
    diarize_file,
    settings_for,
)
from agent_assist.speakers.mono import MonoSettings, speaker_encoder, speakers_and_words  # noqa: E402
from agent_assist.speakers.roles import RoleCues, decide_roles, find_cues  # noqa: E402
from agent_assist.speakers.scoring import DerResult, diarization_error  # noqa: E402
from agent_assist.speakers.turns import Diarization  # noqa: E402
from agent_assist.vad.silero import SileroVad  # noqa: E402

REFERENCE_VAD = VadConfig(
    threshold=0.5, min_speech_ms=100, hangover_ms=200, pre_roll_ms=0, tail_ms=0
)
COLLAR_S = 0.25


@dataclass(frozen=True)
class Piece:
    audio: np.ndarray
    spans: tuple[tuple[float, float], ...]
    """Speech inside the piece (seconds from its start)."""


@dataclass(frozen=True)
class Speaker:
    name: str
    pieces: tuple[Piece, ...]
    text: str


@dataclass
class Call:
    name: str
    audio: np.ndarray
    reference: list[tuple[float, float, str]]
    texts: dict[str, str]
    first: str


@dataclass
class Totals:
    der: list[DerResult] = field(default_factory=list)
    found: list[int] = field(default_factory=list)
    attributed: list[int] = field(default_factory=lambda: [0, 0])
    plain: list[int] = field(default_factory=lambda: [0, 0])
    cue_calls: int = 0
    unsure_calls: int = 0
    agent_right: int = 0
    """Calls whose agent role went to the first human voice (the assembly's agent)."""
    menu_calls: int = 0
    menu_other: int = 0
    """Calls with a phone menu (``--ivr``), and those in which the menu's voice was ``other``."""
    seconds: float = 0.0
    audio_s: float = 0.0
    right: int = 0
    """Calls in which the number of speakers found is the number assembled."""

    def pooled(self) -> DerResult:
        return DerResult(
            *(sum(getattr(r, f) for r in self.der) for f in DerResult.__dataclass_fields__)
        )


def speakers(vad: SileroVad) -> list[Speaker]:
    sets = speech_sets()
    chosen: dict[str, list[Clip]] = {
        "mfa-spontaneous": sets["mfa-spontaneous"],
        "librivox-reader": sets["psx-librivox"],
        "cards-speaker": sets["psx-cards"],
        "jfk": sets["jfk"],
        "librispeech-61": sets["mfa-read"][:1],
    }
    return [
        Speaker(
            name,
            tuple(p for clip in clips for p in pieces(clip, vad)),
            " ".join(c.reference for c in clips),
        )
        for name, clips in chosen.items()
    ]


def pieces(clip: Clip, vad: SileroVad, longest: float = 6.0) -> list[Piece]:
    """The recording cut at its pauses into pieces of at most ``longest`` seconds of audio."""
    audio = load_call(clip.path, mono_role="customer")["customer"]
    spans = [(u.start, u.speech_end or u.end) for u in utterances_of(audio, vad, REFERENCE_VAD)]
    out: list[Piece] = []
    group: list[tuple[float, float]] = []
    for span in spans:
        if group and span[1] - group[0][0] > longest:
            out.append(_piece(audio, group))
            group = []
        group.append(span)
    if group:
        out.append(_piece(audio, group))
    return out


def _piece(audio: np.ndarray, group: list[tuple[float, float]]) -> Piece:
    start, end = max(group[0][0] - 0.05, 0.0), group[-1][1] + 0.05
    cut = audio[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]
    return Piece(cut, tuple((a - start, b - start) for a, b in group))


def assemble(a: Speaker, b: Speaker, rng: np.random.Generator) -> Call:
    """Alternate the two speakers' pieces (each in order) with gaps and some overlaps."""
    order = alternate(a, a.pieces, b, b.pieces)
    return place(f"{a.name}+{b.name}", order, rng, {a.name: a.text, b.name: b.text}, a.name)


def assemble_three(a: Speaker, b: Speaker, c: Speaker, rng: np.random.Generator) -> Call:
    """A transfer: ``a`` (agent) and ``b`` (customer) alternate, then ``c`` (a supervisor)
    takes over from ``a`` for the second half of ``b``'s pieces. No text reference (no WER)."""
    half_a, half_b = len(a.pieces) // 2, len(b.pieces) // 2
    order = alternate(a, a.pieces[: max(half_a, 1)], b, b.pieces[:half_b])
    order += alternate(c, c.pieces[: max(half_b, 2)], b, b.pieces[half_b:])
    return place(f"{a.name}+{b.name}>{c.name}", order, rng, {}, a.name)


def one_voice(a: Speaker, rng: np.random.Generator) -> Call:
    """One speaker's pieces in order, with the same gaps: a recording of one voice."""
    return place(a.name, [(a, p) for p in a.pieces], rng, {a.name: a.text}, a.name)


def repeat(call: Call, times: int) -> Call:
    """The call played ``times`` over (the same gaps between the plays as inside)."""
    if times == 1:
        return call
    length = len(call.audio) / SAMPLE_RATE
    reference = [
        (a + k * length, b + k * length, n) for k in range(times) for a, b, n in call.reference
    ]
    texts = {name: " ".join([text] * times) for name, text in call.texts.items()}
    name = f"{call.name} x{times}"
    return Call(name, np.tile(call.audio, times), reference, texts, call.first)


def extra_voice(value: float | None) -> dict[str, float]:
    """Settings for ``--extra-voice`` (9: a fixed number of speakers, as before 2026-12-05)."""
    if value is None:
        return {}
    settings = {"extra_voice": value, "extra_voice_least": value}
    if value > 1:
        settings["min_asked_speaker_s"] = 0.0
    return settings


def setting(text: str) -> tuple[str, float]:
    """``NAME=VALUE`` of ``--set``: a DiarizeSettings field and its number."""
    name, _, value = text.partition("=")
    if name not in DiarizeSettings.__dataclass_fields__:
        raise argparse.ArgumentTypeError(f"no diarization setting named {name!r}")
    return name, float(value)


def threshold(value: float | None) -> dict[str, float]:
    return {} if value is None else {"cluster_threshold": value}


def alternate(
    a: Speaker, pieces_a: Sequence[Piece], b: Speaker, pieces_b: Sequence[Piece]
) -> list[tuple[Speaker, Piece]]:
    order: list[tuple[Speaker, Piece]] = []
    for pa, pb in itertools.zip_longest(pieces_a, pieces_b):
        order += [(a, pa)] if pa is not None else []
        order += [(b, pb)] if pb is not None else []
    return order


def place(
    name: str,
    order: Sequence[tuple[Speaker, Piece]],
    rng: np.random.Generator,
    texts: dict[str, str],
    first: str,
) -> Call:
    """The pieces one after another with natural gaps, at one change in six (of a piece over
    1.5 s) overlapping the one before by 0.2-0.6 s; each speaker at a level of their own."""
    levels: dict[str, float] = {}
    for speaker, _ in order:
        if speaker.name not in levels:
            levels[speaker.name] = 10 ** (rng.uniform(-24, -18) / 20)
    placed: list[tuple[float, Speaker, Piece]] = []
    cursor = 0.3
    previous: Speaker | None = None
    for speaker, piece in order:
        length = len(piece.audio) / SAMPLE_RATE
        if (
            previous is not None
            and previous is not speaker
            and length > 1.5
            and rng.random() < 1 / 6
        ):
            start = cursor - rng.uniform(0.2, 0.6)
        else:
            start = cursor + rng.uniform(0.15, 1.2)
        placed.append((start, speaker, piece))
        cursor = max(cursor, start + length)
        previous = speaker
    mix = np.zeros(int((cursor + 0.5) * SAMPLE_RATE), dtype=np.float32)
    reference: list[tuple[float, float, str]] = []
    for start, speaker, piece in placed:
        rms = float(np.sqrt(np.mean(np.square(piece.audio)))) or 1.0
        at = int(start * SAMPLE_RATE)
        mix[at : at + len(piece.audio)] += piece.audio * (levels[speaker.name] / rms)
        reference += [(start + s, start + e, speaker.name) for s, e in piece.spans]
    return Call(name, mix, reference, texts, first)


def telephone_noisy(
    audio: np.ndarray, rng: np.random.Generator, snr_db: float = 20.0
) -> np.ndarray:
    narrow = telephone(audio)
    speech = narrow[np.abs(narrow) > 1e-4]
    level = float(np.sqrt(np.mean(np.square(speech)))) if len(speech) else 1e-3
    noise = rng.standard_normal(len(narrow)) * level * 10 ** (-snr_db / 20)
    return np.clip(narrow + noise, -1.0, 1.0).astype(np.float32)


def write_call(
    call: Call, folder: Path, narrow: bool, rng: np.random.Generator, snr_db: float = 20.0
) -> Path:
    if narrow:
        target = folder / f"{call.name}.8k.wav"
        sf.write(target, telephone_noisy(call.audio, rng, snr_db), 8_000, subtype="PCM_16")
    else:
        target = folder / f"{call.name}.wav"
        sf.write(target, np.clip(call.audio, -1.0, 1.0), SAMPLE_RATE, subtype="PCM_16")
    return target


def hypothesis(result: Diarization) -> list[tuple[float, float, int]]:
    return [(t.start, t.end, t.speaker) for t in result.turns]


def mapping(reference: Sequence[tuple[float, float, str]], result: Diarization) -> dict[int, str]:
    """Each hypothesis speaker's true speaker: the best one-to-one overlap."""
    names = sorted({r[2] for r in reference})
    ids = sorted({t.speaker for t in result.turns})
    best: tuple[float, dict[int, str]] = (-1.0, {})
    for perm in itertools.permutations(names, min(len(names), len(ids))):
        pairs = dict(zip(ids, perm, strict=False))
        score = sum(
            max(0.0, min(e, t.end) - max(s, t.start))
            for t in result.turns
            for s, e, n in reference
            if pairs.get(t.speaker) == n
        )
        if score > best[0]:
            best = (score, pairs)
    return best[1]


def true_speaker(reference: Sequence[tuple[float, float, str]], time_s: float) -> str | None:
    inside = [r for r in reference if r[0] - 0.2 <= time_s <= r[1] + 0.2]
    if not inside:
        near = min(reference, key=lambda r: min(abs(r[0] - time_s), abs(r[1] - time_s)))
        return near[2]
    return min(inside, key=lambda r: abs((r[0] + r[1]) / 2 - time_s))[2]


def score_words(
    call: Call, result: Diarization, words: list[tuple[float, int, str]], totals: Totals
) -> None:
    """Speaker-attributed vs plain WER: ``words`` are (time, hypothesis speaker, text)."""
    pairs = mapping(call.reference, result)
    by_hyp: dict[str, list[str]] = {name: [] for name in call.texts}
    by_true: dict[str, list[str]] = {name: [] for name in call.texts}
    for time_s, speaker, text in sorted(words):
        if speaker in pairs:
            by_hyp[pairs[speaker]].append(text)
        truth = true_speaker(call.reference, time_s)
        if truth is not None:
            by_true[truth].append(text)
    for name, reference in call.texts.items():
        for bucket, target in ((by_hyp, totals.attributed), (by_true, totals.plain)):
            errors, count = word_errors(reference, " ".join(bucket[name]))
            target[0] += errors
            target[1] += count


def transcribe_turns(
    path: Path, encoder: object, vad: SileroVad, settings: DiarizeSettings, transcriber: object
) -> tuple[Diarization, list[tuple[float, int, str]], list[tuple[int, float, str]]]:
    """What ``analyze`` does with a mono call: its regions transcribed while it is diarized,
    each word given to the speaker whose turn it falls in; (time, speaker, word) per word, and
    (speaker, start, text) per transcribed part, the lines ``analyze`` finds role cues in."""
    call = open_call(path)
    vad.reset()
    diarizer = Diarizer(
        encoder,  # type: ignore[arg-type]
        vad,
        VadConfig(),
        settings,
        narrow=call.rate < NARROW_BELOW_HZ,
    )
    result, parts, _ = speakers_and_words(
        call,
        diarizer,
        transcriber,  # type: ignore[arg-type]
        VadConfig(),
        MonoSettings(settings),
    )
    words = [(p.start + w.start, p.speaker, w.text) for p in parts for w in p.result.words]
    return result, words, [(p.speaker, p.start, p.result.text) for p in parts]


def roles_of(
    result: Diarization, lines: list[tuple[int, float, str]], call: Call, totals: Totals
) -> None:
    talk = {s.speaker: s.seconds for s in result.speakers}
    if find_cues(lines, RoleCues.build()):
        totals.cue_calls += 1
    decision = decide_roles(lines, talk)
    if not decision.confident:
        totals.unsure_calls += 1
    pairs = mapping(call.reference, result)
    role_of = {pairs[s]: role for s, role in decision.roles.items() if s in pairs}
    totals.agent_right += role_of.get(call.first) == "agent"
    if "ivr" in call.texts:
        totals.menu_calls += 1
        totals.menu_other += role_of.get("ivr") == "other"


def run_condition(
    calls: list[Call],
    narrow: bool,
    encoder: object,
    vad: SileroVad,
    transcriber: object | None,
    folder: Path,
    settings: DiarizeSettings,
    seed: int,
    show: bool,
    snr_db: float,
) -> Totals:
    rng = np.random.default_rng(seed + (1 if narrow else 0))
    totals = Totals()
    for call in calls:
        path = write_call(call, folder, narrow, rng, snr_db)
        vad.reset()
        started = time.perf_counter()
        result = diarize_file(path, encoder, vad, VadConfig(), settings)  # type: ignore[arg-type]
        totals.seconds += time.perf_counter() - started
        totals.audio_s += len(call.audio) / SAMPLE_RATE
        if transcriber is not None and call.texts:
            # as analyze: a phone menu found by its words may make the voices be clustered again
            result, words, lines = transcribe_turns(path, encoder, vad, settings, transcriber)
            score_words(call, result, words, totals)
            roles_of(result, lines, call, totals)
        der = diarization_error(call.reference, hypothesis(result), COLLAR_S)
        totals.der.append(der)
        totals.found.append(result.count)
        totals.right += result.count == len({name for _, _, name in call.reference})
        if show:
            print(
                f"  {call.name:40s} {len(call.audio) / SAMPLE_RATE:5.1f} s  DER {der.der:6.1%}"
                f"  (miss {der.missed_s:4.1f} fa {der.false_alarm_s:4.1f}"
                f" conf {der.confusion_s:4.1f} s)"
                f"  speakers {result.count} (estimate {result.voices_heard})",
                flush=True,
            )
    return totals


def report(name: str, totals: Totals, wer: bool) -> None:
    pooled = totals.pooled()
    ref = pooled.reference_s
    worst = max(r.der for r in totals.der)
    print(
        f"{name}: DER {pooled.der:.1%} (collar {COLLAR_S} s; missed {pooled.missed_s / ref:.1%},"
        f" false alarm {pooled.false_alarm_s / ref:.1%},"
        f" confusion {pooled.confusion_s / ref:.1%}) over {len(totals.der)} calls,"
        f" {ref:.0f} s of scored speech; worst call {worst:.1%};"
        f" the right number of speakers found in {totals.right}/{len(totals.found)}"
        f" (found: {dict(sorted(Counter(totals.found).items()))})"
    )
    print(
        f"  speaker stage: {totals.seconds:.1f} s for {totals.audio_s:.0f} s of audio"
        f" ({totals.audio_s / max(totals.seconds, 1e-9):.0f}x faster than real time)"
    )
    if wer and totals.attributed[1]:
        a, p = totals.attributed, totals.plain
        print(
            f"  WER speaker-attributed {a[0] / a[1]:.1%} vs plain {p[0] / p[1]:.1%}"
            f" ({a[1]} reference words);"
            f" roles: a cue fired in {totals.cue_calls}/{len(totals.der)} calls,"
            f" decision flagged uncertain in {totals.unsure_calls}/{len(totals.der)};"
            f" the agent role on the first human voice in {totals.agent_right}/{len(totals.der)}"
        )
    if totals.menu_calls:
        print(f"  the phone menu's voice 'other' in {totals.menu_other}/{totals.menu_calls}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-wer", action="store_true", help="diarization only (no Whisper)")
    parser.add_argument("--sample", action="store_true", help="also the downmixed sample call")
    parser.add_argument("--speakers", default="2", help="N or auto")
    parser.add_argument(
        "--voices",
        type=int,
        choices=[1, 2, 3],
        default=2,
        help="voices per mix: 1 (each speaker alone), 2 (every pair) or 3 (a transfer)",
    )
    parser.add_argument("--vad-threshold", type=float, help="diarizer VAD threshold (wideband)")
    parser.add_argument("--floor-margin", type=float, default=6.0, help="noise-floor assist (dB)")
    parser.add_argument(
        "--model",
        choices=["campplus", "ge2e"],
        default="campplus",
        help="speaker encoder: CAM++ (the app's) or GE2E (the baseline, with its own settings)",
    )
    parser.add_argument("--cluster-threshold", type=float, help="linkage threshold")
    parser.add_argument(
        "--set",
        type=setting,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="any other DiarizeSettings number, e.g. same_speaker_narrow=0.15 (repeatable)",
    )
    parser.add_argument("--min-speaker", type=float, default=DiarizeSettings().min_speaker_s)
    parser.add_argument("--step", type=float, default=DiarizeSettings().step_s)
    parser.add_argument(
        "--extra-voice",
        type=float,
        help="separation that keeps a voice beyond the asked number apart, wideband and 8 kHz"
        " (default: the settings'; 9: never, as before 2026-12-05)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="each mix played N times over: a longer call (more speech per voice) from the"
        " little speech each DATA.md speaker has",
    )
    parser.add_argument(
        "--ivr",
        action="store_true",
        help="a real phone menu (Asterisk's IVR main prompt) opens every two-voice mix",
    )
    parser.add_argument("--only", choices=["wideband", "narrow"], help="one condition only")
    parser.add_argument("--snr", type=float, default=20.0, help="8 kHz condition noise (dB)")
    parser.add_argument("--show", action="store_true", help="one line per call")
    parser.add_argument("--long", type=float, metavar="HOURS", help="bounded-memory run only")
    parser.add_argument("--sample-only", action="store_true", help="only the sample call")
    args = parser.parse_args()
    if args.long:
        from diarization_cost import long_report

        long_report(args.long)
        return 0
    if not args.sample_only:
        mixes(args)
    if args.sample or args.sample_only:
        from diarization_cost import rss_report, sample_report

        with tempfile.TemporaryDirectory() as work:
            sample_report(Path(work))
            rss_report(Path(work))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this bench process: {peak:.0f} MB")
    return 0


def mixes(args: argparse.Namespace) -> None:
    encoder = speaker_encoder(args.model)  # the app's loader and its tuned settings
    settings = settings_for(
        args.model,
        speakers=None if args.speakers == "auto" else int(args.speakers),
        vad_threshold=args.vad_threshold,
        floor_margin_db=args.floor_margin,
        min_speaker_s=args.min_speaker,
        step_s=args.step,
        **{**extra_voice(args.extra_voice), **threshold(args.cluster_threshold), **dict(args.set)},
    )
    print(f"speaker model: {args.model}")
    vad = SileroVad.load()
    transcriber = None
    if not args.no_wer:
        from agent_assist.asr.whisper import WhisperTranscriber
        from agent_assist.config import AsrConfig

        transcriber = WhisperTranscriber.load(AsrConfig())
    rng = np.random.default_rng(args.seed)
    pool = speakers(vad)
    for speaker in pool:
        short = sum(1 for p in speaker.pieces if len(p.audio) / SAMPLE_RATE < 1.0)
        print(f"{speaker.name}: {len(speaker.pieces)} pieces ({short} under 1 s)")
    if args.voices == 1:
        calls = [one_voice(a, rng) for a in pool]
    elif args.voices == 3:
        calls = [assemble_three(a, b, c, rng) for a, b, c in itertools.combinations(pool, 3)]
    elif args.ivr:
        from diarization_ivr import after_ivr, ivr_speaker

        menu = ivr_speaker(vad)
        calls = [after_ivr(menu, a, b, rng) for a, b in itertools.combinations(pool, 2)]
    else:
        calls = [assemble(a, b, rng) for a, b in itertools.combinations(pool, 2)]
    calls = [repeat(call, args.repeat) for call in calls]
    with tempfile.TemporaryDirectory() as work:
        for narrow in (False, True):
            if args.only and (args.only == "narrow") != narrow:
                continue
            label = (
                f"8 kHz telephone + noise at {args.snr:.0f} dB SNR" if narrow else "wideband 16 kHz"
            )
            totals = run_condition(
                calls,
                narrow,
                encoder,
                vad,
                transcriber,
                Path(work),
                settings,
                args.seed,
                args.show,
                args.snr,
            )
            report(label, totals, transcriber is not None)


if __name__ == "__main__":
    raise SystemExit(main())
