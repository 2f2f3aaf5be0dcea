"""Word error rate of the Whisper models as shipped (float16 files) versus int8 files.

Both run the product's path on the CPU (VAD segmenter -> WhisperTranscriber, compute_type
int8), on the DATA.md speech sets at their own rate and as telephone audio. The only
difference is who quantizes: CTranslate2 at load time (float16 file) or ``quantize.py`` at
build time (int8 file). Prints figures; decides nothing.

    .venv/bin/python bench/fetch_data.py           # once
    .venv/bin/python packaging/check_int8.py [--profiles fast accurate]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "packaging")]

from quantize import quantize_file  # noqa: E402

from agent_assist import modelstore  # noqa: E402
from agent_assist.asr.whisper import PROFILE_MODELS, WhisperTranscriber  # noqa: E402
from agent_assist.config import AsrConfig, VadConfig  # noqa: E402
from agent_assist.vad.silero import SileroVad  # noqa: E402
from bench.wer import Score, _telephone_file, runner, score_set, speech_sets  # noqa: E402


def int8_copy(source: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    for item in source.iterdir():
        if item.name != "model.bin" and item.is_file():
            shutil.copy2(item, target / item.name)
    quantize_file(source / "model.bin", target / "model.bin")
    return target


def evaluate(folder: Path, sets: dict, phone_dir: Path) -> dict[str, Score]:
    asr = WhisperTranscriber.load(AsrConfig(profile="custom", model_path=str(folder), device="cpu"))
    run = runner("utterance", SileroVad.load(), asr, VadConfig())
    totals = {"native": Score(), "telephone": Score()}
    for clips in sets.values():
        totals["native"].add(score_set(clips, run, 1, False))
        phone = [type(c)(_telephone_file(c, phone_dir), c.reference) for c in clips]
        totals["telephone"].add(score_set(phone, run, 1, False))
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", nargs="+", default=["fast", "accurate"])
    args = parser.parse_args()
    sets = speech_sets()
    with tempfile.TemporaryDirectory() as tmp:
        phone_dir = Path(tmp) / "phone"
        phone_dir.mkdir()
        for profile in args.profiles:
            spec = modelstore.find_spec(PROFILE_MODELS[profile])
            source = modelstore.locate(spec)
            variants = {
                "float16 file": source,
                "int8 file": int8_copy(source, Path(tmp) / f"{spec.name}-int8"),
            }
            for label, folder in variants.items():
                size = (folder / "model.bin").stat().st_size / 1e6
                for condition, score in evaluate(folder, sets, phone_dir).items():
                    wer = score.errors / max(score.words, 1)
                    print(
                        f"{spec.name:16} {label:12} {size:6.1f} MB  {condition:9} "
                        f"WER {wer:.3f} ({score.errors}/{score.words} words, {score.clips} clips)"
                        f"  {score.audio_s / max(score.process_s, 1e-9):5.1f}x real time",
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
