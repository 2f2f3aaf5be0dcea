"""Build resources/samples/sample_call.flac: a synthetic two-voice support call (espeak-ng).

Left channel = agent, right channel = customer, 16 kHz. The customer starts annoyed, escalates,
and calms down once the agent helps. Run: python scripts/make_sample_call.py (needs espeak-ng).
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

RATE = 16_000
VOICES = {"agent": ("en-us+m3", 165), "customer": ("en-us+f4", 170)}
SCRIPT = [
    (
        "agent",
        "Thank you for calling Northwind Internet, my name is Sam. How can I help you today?",
    ),
    ("customer", "Hi. My internet has been dropping out every evening for two weeks now."),
    ("agent", "I'm sorry to hear that. Can I have your account number please?"),
    (
        "customer",
        "It's on the email you sent me. Look, this is the third time I'm calling about this.",
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
    ("agent", "You'll get a text confirming the time. Is there anything else I can help with?"),
    ("customer", "No, that's all. Thanks Sam, I appreciate it. Have a great day."),
]
GAP_S = 0.7


def speak(text: str, voice: str, speed: int) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "line.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav), text], check=True
        )
        audio, rate = sf.read(wav, dtype="float32")
    return soxr.resample(audio, rate, RATE).astype(np.float32)


def main() -> None:
    tracks: dict[str, list[np.ndarray]] = {"agent": [], "customer": []}
    for speaker, text in SCRIPT:
        voice, speed = VOICES[speaker]
        line = speak(text, voice, speed) * 0.7
        gap = np.zeros(int(GAP_S * RATE), dtype=np.float32)
        other = "customer" if speaker == "agent" else "agent"
        tracks[speaker] += [line, gap]
        tracks[other] += [np.zeros_like(line), gap]
    stereo = np.stack([np.concatenate(tracks["agent"]), np.concatenate(tracks["customer"])], axis=1)
    rng = np.random.default_rng(0)
    stereo += rng.normal(0, 0.002, stereo.shape).astype(np.float32)
    out = Path(__file__).resolve().parent.parent / "resources" / "samples" / "sample_call.flac"
    sf.write(out, stereo, RATE, subtype="PCM_16")
    print(f"wrote {out} ({len(stereo) / RATE:.1f} s)")


if __name__ == "__main__":
    main()
