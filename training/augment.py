"""Make written text look like speech-recognition output (seeded by the caller's Random)."""

from __future__ import annotations

import random
import re

FILLERS = ("um", "uh", "um", "uh", "like", "you know", "so", "well")
_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"(^|\s)(RT\s+)?@\w+:?")
_PUNCT = re.compile(r"[^\w\s']")


def strip_tweet(text: str) -> str:
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    return " ".join(text.replace("#", " ").split())


def asr_style(text: str, rng: random.Random, tweet: bool) -> str:
    """Lower case, no punctuation, fillers, short fragments: each applied at random."""
    if tweet and rng.random() < 0.7:
        text = strip_tweet(text) or text
    if rng.random() < 0.5:
        text = " ".join(_PUNCT.sub(" ", text.lower()).split()) or text
    words = text.split()
    if not tweet and len(words) > 6 and rng.random() < 0.05:
        words = words[: rng.randint(2, 4)]
    if words and rng.random() < 0.2:
        words.insert(rng.randint(0, len(words) - 1), rng.choice(FILLERS))
    return " ".join(words)
