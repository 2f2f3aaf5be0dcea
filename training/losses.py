"""The training losses: class-weighted cross-entropy on gold labels, plus the distillation term."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import torch
from torch import nn

from agent_assist.sentiment.labels import SENTIMENTS
from training.data import Example
from training.softlabels import SoftTargets

Row = tuple[str, str | None, int, int, bool]  # text, context, sentiment, emotion, is written


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


class GoldLoss:
    """Weighted CE(sentiment) + emotion_weight * CE(emotion), plus the distillation term
    (temperature-scaled KL to the teacher's soft labels) when ``targets`` is given."""

    def __init__(
        self,
        tweets: list[Example],
        dialogue: list[Example],
        cfg: Any,  # train.TrainConfig
        device: torch.device,
        targets: SoftTargets | None = None,
    ) -> None:
        tweet_w, dialogue_w = sentiment_weights(tweets, dialogue, cfg.dialogue_negative_boost)
        weights = torch.stack([dialogue_w, tweet_w])  # row 1: tweets
        self.sent_weights = (weights if cfg.class_weighted else torch.ones_like(weights)).to(device)
        self.sent_loss = nn.CrossEntropyLoss(reduction="none", ignore_index=-1)
        emotion_w = class_weights([e.emotion for e in tweets + dialogue], 6).to(device)
        self.emo_loss = nn.CrossEntropyLoss(weight=emotion_w, ignore_index=-1)
        self.cfg, self.device, self.targets = cfg, device, targets

    def __call__(self, s_logits: torch.Tensor, e_logits: torch.Tensor, rows: list[Row]) -> Any:
        s_gold = torch.tensor([r[2] for r in rows], device=self.device)
        e_gold = torch.tensor([r[3] for r in rows], device=self.device)
        is_tweet = torch.tensor([int(r[4]) for r in rows], device=self.device)
        weight = self.sent_weights[is_tweet, s_gold.clamp(min=0)] * (s_gold >= 0)
        loss = (self.sent_loss(s_logits, s_gold) * weight).sum() / weight.sum().clamp(min=1e-6)
        if (e_gold >= 0).any():
            loss = loss + self.cfg.emotion_weight * self.emo_loss(e_logits, e_gold)
        if self.targets is not None and self.cfg.distill_weight > 0:
            kl = self.targets.loss(
                s_logits, e_logits, [r[0] for r in rows], self.cfg.distill_temperature
            )
            loss = loss + self.cfg.distill_weight * kl
        return loss
