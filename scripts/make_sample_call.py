"""Build the bundled sample calls from their scripts with two clearly different synthetic voices.

* ``resources/samples/sample_call.flac``: stereo, left = agent, right = customer, 16 kHz. The
  customer calls about an outage for the third time, gets angry, asks for a manager and to cancel,
  and calms down once the agent books a technician.
* ``resources/samples/mono_call.flac``: a similar billing call with both voices mixed into one
  channel (a single-channel recording, for speaker separation).

Agent: Festival's US English female HTS voice (``festvox-us-slt-hts``), wide band. Customer:
Flite's Scottish English male voice ``awb`` through a telephone line (8 kHz, 300-3400 Hz). Both
were chosen by measuring the default ("fast") profile's word error rate on every Debian English
voice (``scripts/compare_sample_voices.py``). Run: ``python scripts/make_sample_call.py``
(needs ``festival festvox-us-slt-hts flite sox``). The output is the same on every run.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

RATE = 16_000
SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples"
SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
Line = tuple[str, str]


@dataclass(frozen=True)
class Voice:
    """One synthetic voice: ``engine:name`` (festival, flite, espeak), pace and line quality."""

    spec: str
    stretch: float = 1.0  # >1 speaks slower
    telephone: bool = False

    @property
    def engine(self) -> str:
        return self.spec.split(":", 1)[0]

    @property
    def name(self) -> str:
        return self.spec.split(":", 1)[1]


VOICES = {
    "agent": Voice("festival:cmu_us_slt_arctic_hts", stretch=1.15),
    "customer": Voice("flite:awb", telephone=True),
}

SAMPLE_CALL: list[Line] = [
    (
        "agent",
        "Thank you for calling Northwind Internet, my name is Sam. How can I help you today?",
    ),
    ("customer", "Hi. My internet has been dropping out every evening for two weeks now."),
    ("agent", "I'm sorry to hear that. Can I have your account number please?"),
    (
        "customer",
        "It's on the email you sent me. And this is the third time I'm calling about this.",
    ),
    ("customer", "Every time someone tells me it's fixed, and it's not. This is unacceptable."),
    ("agent", "I understand. Let me check the line from here."),
    (
        "customer",
        "I work from home. I lost a client meeting yesterday because of this. I'm really angry.",
    ),
    ("customer", "If you can't fix it today I want to cancel my account and speak to a manager."),
    (
        "agent",
        "I hear you, and I'm sorry. I can see errors on your line every evening. "
        "I am booking a technician for tomorrow morning, and I'm adding a credit to your bill.",
    ),
    ("customer", "Okay. Tomorrow morning works. Thank you, that actually helps."),
    ("agent", "You will get a text confirming the time. Is there anything else I can help with?"),
    ("customer", "No, that's all. Thanks Sam, I appreciate it. Have a great day."),
]

MONO_CALL: list[Line] = [
    ("agent", "Good afternoon, Northwind Internet billing, this is Sam speaking."),
    ("customer", "Hello. I've been charged twice for this month and I'd like to know why."),
    ("agent", "I'm sorry about that. Let me look at your bill."),
    ("customer", "I noticed it this morning. It's the second time this year."),
    ("agent", "I can see two payments on the same day. The second one was a mistake on our side."),
    ("customer", "So when do I get my money back?"),
    ("agent", "I have sent the refund now. It will be back on your card within five days."),
    ("customer", "Great, thank you for sorting it out so quickly."),
]


def run(command: list[str]) -> None:
    subprocess.run(command, check=True, capture_output=True)


def festival_pace(voice: Voice) -> str:
    if voice.name.endswith("_hts"):  # HTS voices take the speech rate as an engine option
        rate = f'(("-r" {1 / voice.stretch}))'
        return f"(set! hts_engine_params (append hts_engine_params '{rate}))"
    return f"(Parameter.set 'Duration_Stretch {voice.stretch})"


def synthesise(text: str, voice: Voice, wav: Path) -> None:
    if voice.engine == "festival":
        script = wav.with_suffix(".txt")
        script.write_text(text, encoding="utf-8")
        setup = ["-eval", f"(voice_{voice.name})", "-eval", festival_pace(voice)]
        run(["text2wave", *setup, str(script), "-o", str(wav)])
    elif voice.engine == "flite":
        stretch = f"duration_stretch={voice.stretch}"
        run(["flite", "-voice", voice.name, "--setf", stretch, "-t", text, "-o", str(wav)])
    elif voice.engine == "espeak":
        speed = str(round(175 / voice.stretch))
        run(["espeak-ng", "-v", voice.name, "-s", speed, "-w", str(wav), text])
    else:
        raise ValueError(f"unknown speech engine in {voice.spec!r}")


def speak(text: str, voice: Voice) -> np.ndarray:
    """The line at 16 kHz, peak-normalised; telephone voices go through an 8 kHz phone band."""
    with tempfile.TemporaryDirectory() as tmp:
        raw, out = Path(tmp) / "line.wav", Path(tmp) / "out.wav"
        synthesise(text, voice, raw)
        band = ["sinc", "300-3400", "rate", "-v", "8000"] if voice.telephone else []
        effects = [*band, "rate", "-v", str(RATE)]
        run(["sox", "-D", str(raw), "-b", "16", "-c", "1", str(out), *effects])  # -D: repeatable
        audio, _ = sf.read(out, dtype="float32")
    return (audio / max(float(np.abs(audio).max()), 1e-6)).astype(np.float32)


def say(text: str, voice: Voice, rng: np.random.Generator) -> np.ndarray:
    """A line sentence by sentence, a short breath between (shorter than the VAD's hangover)."""
    parts: list[np.ndarray] = []
    for sentence in SENTENCE_END.split(text):
        if parts:
            parts.append(np.zeros(int(rng.uniform(0.15, 0.25) * RATE), dtype=np.float32))
        parts.append(trim(speak(sentence, voice)))
    return np.concatenate(parts)


def trim(audio: np.ndarray, floor: float = 0.01) -> np.ndarray:
    """Without the engine's leading and trailing silence (20 ms kept each side)."""
    loud = np.flatnonzero(np.abs(audio) > floor)
    if not len(loud):
        return audio
    keep = RATE // 50
    return audio[max(0, loud[0] - keep) : loud[-1] + keep]


def build(script: list[Line], voices: dict[str, Voice], seed: int = 0) -> np.ndarray:
    """(samples, 2) agent/customer tracks: one turn after another with natural gaps."""
    rng = np.random.default_rng(seed)
    tracks: dict[str, list[np.ndarray]] = {"agent": [], "customer": []}
    previous = ""
    for speaker, text in script:
        # a speaker who goes on after a pause starts a new utterance (longer than the VAD hangover)
        gap_s = rng.uniform(0.5, 0.9) if speaker != previous else rng.uniform(0.65, 0.85)
        line = say(text, voices[speaker], rng) * 0.6
        gap = np.zeros(int(gap_s * RATE), dtype=np.float32)
        other = "customer" if speaker == "agent" else "agent"
        tracks[speaker] += [gap, line]
        tracks[other] += [gap, np.zeros_like(line)]
        previous = speaker
    tail = np.zeros(int(0.6 * RATE), dtype=np.float32)
    stereo = np.stack(
        [np.concatenate([*tracks["agent"], tail]), np.concatenate([*tracks["customer"], tail])],
        axis=1,
    )
    return stereo + rng.normal(0, 0.002, stereo.shape).astype(np.float32)


def write(path: Path, audio: np.ndarray) -> None:
    sf.write(path, audio, RATE, subtype="PCM_16", format="FLAC")
    print(f"wrote {path} ({len(audio) / RATE:.1f} s, {audio.ndim} channel(s))")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stereo", type=Path, default=SAMPLES / "sample_call.flac")
    parser.add_argument("--mono", type=Path, default=SAMPLES / "mono_call.flac")
    args = parser.parse_args(argv)
    write(args.stereo, build(SAMPLE_CALL, VOICES))
    write(args.mono, build(MONO_CALL, VOICES, seed=1).sum(axis=1))


if __name__ == "__main__":
    main()
