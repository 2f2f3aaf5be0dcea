"""Word error rate of the default ("fast") profile on the sample call spoken by each voice.

Every line of ``make_sample_call.SAMPLE_CALL`` is spoken by one candidate voice, wide band and
through a telephone line, and the one-channel call goes through the product's own path
(``pipeline.analyze_call``). Prints one row per voice; pick the two voices for
``make_sample_call.VOICES`` from it. Run: ``python scripts/compare_sample_voices.py``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import make_sample_call as sample  # noqa: E402

from agent_assist.asr.metrics import word_errors  # noqa: E402
from agent_assist.config import Config  # noqa: E402
from agent_assist.events import Event, TranscriptFinal  # noqa: E402
from agent_assist.pipeline import Models, analyze_call, load_models  # noqa: E402

CANDIDATES = (
    "festival:cmu_us_slt_arctic_hts",
    "festival:kal_diphone",
    "flite:slt",
    "flite:rms",
    "flite:awb",
    "flite:kal16",
    "espeak:en-us+m3",
    "espeak:en-us+f4",
)


def transcribe(audio_path: Path, models: Models, config: Config) -> str:
    events: list[Event] = []
    analyze_call(audio_path, models, config, events.append)
    return " ".join(e.text for e in events if isinstance(e, TranscriptFinal))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("voices", nargs="*", default=CANDIDATES, help="engine:name")
    parser.add_argument("--stretch", type=float, default=1.0)
    args = parser.parse_args(argv)
    config = Config()
    models = load_models(config)
    reference = " ".join(text for _, text in sample.SAMPLE_CALL)
    print("| voice | band | WER | words/min |\n|---|---|---|---|")
    for spec in args.voices:
        for telephone in (False, True):
            voice = sample.Voice(spec, stretch=args.stretch, telephone=telephone)
            audio = sample.build(sample.SAMPLE_CALL, {"agent": voice, "customer": voice}).sum(1)
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "call.flac"
                sf.write(path, audio, sample.RATE, format="FLAC")
                heard = transcribe(path, models, config)
            errors, words = word_errors(reference, heard)
            band = "telephone" if telephone else "wide"
            pace = words / (len(audio) / sample.RATE / 60)
            print(f"| {spec} | {band} | {errors / words:.1%} ({errors}/{words}) | {pace:.0f} |")
            print(f"  heard: {heard}", file=sys.stderr)


if __name__ == "__main__":
    main()
