"""Synthetic calls with spoken PII, made with espeak-ng (two voices) for the Whisper tests."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf

from agent_assist.audio.resample import resample

RATE = 16_000
VOICES = ("en-us", "en-gb-x-rp+f3")
"""Two espeak-ng voices: American male, British (received pronunciation) female."""
CARD_CHUNK = "four one one one"
SCRIPT: list[tuple[str, str]] = [
    ("agent", "Thank you for calling. Can I take the long number on your card please?"),
    ("customer", "Yes. It is four one one one, one one one one, one one one one, one one one one."),
    ("agent", "Sorry, the line broke up. Could you read the card number again, slowly?"),
    ("customer", CARD_CHUNK),
    ("customer", "one one one one"),
    ("customer", "one one one one"),
    ("customer", "one one one one"),
    ("agent", "Thanks. And a phone number where we can call you back?"),
    ("customer", "You can call me back on four one five, five five five, oh one three two."),
    ("customer", "Or my other phone number, five five five, twelve thirty four."),
    ("agent", "And your email address?"),
    ("customer", "It is jane dot doe at example dot com."),
    ("agent", "What is the account for the refund?"),
    (
        "customer",
        "The IBAN is G B eight two, west, one two three four, five six nine eight, "
        "seven six five four, three two.",
    ),
    ("agent", "Finally, your social security number."),
    ("customer", "It is one two three, four five, six seven eight nine."),
]
"""What is said, in order. Only the PII has digits, so no digit run may survive redaction."""
PII_DIGITS = ("4111111111111111", "4155550132", "5551234", "82123456987654", "32", "123456789")


def available() -> bool:
    return shutil.which("espeak-ng") is not None


def say(text: str, voice: str) -> np.ndarray:
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", "140", "--stdout", text],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    audio, rate = sf.read(io.BytesIO(wav), dtype="float32")
    return resample(audio, rate, RATE)


def write_call(path: Path, customer_voice: str, agent_voice: str) -> Path:
    """A stereo call (agent left, customer right) with 1.2 s pauses between turns."""
    pause = np.zeros(int(1.2 * RATE), dtype=np.float32)
    left: list[np.ndarray] = [pause]
    right: list[np.ndarray] = [pause]
    for role, text in SCRIPT:
        speech = say(text, customer_voice if role == "customer" else agent_voice)
        silence = np.zeros_like(speech)
        left.append(speech if role == "agent" else silence)
        right.append(speech if role == "customer" else silence)
        left.append(pause)
        right.append(pause)
    stereo = np.stack([np.concatenate(left), np.concatenate(right)], axis=1) * 0.8
    sf.write(path, stereo, RATE, subtype="PCM_16")
    return path
