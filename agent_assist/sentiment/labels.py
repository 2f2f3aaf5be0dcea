"""Label sets of the sentiment model and how each training corpus maps onto them.

The order of ``SENTIMENTS`` and ``EMOTIONS`` is the order of the model's output logits.
"""

from __future__ import annotations

SENTIMENTS: tuple[str, ...] = ("negative", "neutral", "positive")

# anger/frustration, disappointment/sadness, worry/fear, confusion, satisfaction/joy, neutral
EMOTIONS: tuple[str, ...] = ("anger", "sadness", "fear", "confusion", "joy", "neutral")

# Corpus label -> our emotion. A label mapped to None has no counterpart: its emotion loss
# is masked (the utterance still trains the sentiment head where it has a sentiment label).
MELD_EMOTIONS: dict[str, str | None] = {
    "anger": "anger",
    "disgust": "anger",  # disgust at a service is voiced as frustration
    "sadness": "sadness",
    "fear": "fear",
    "surprise": "confusion",  # "What?!", "Wait, really?": the closest proxy to confusion
    "joy": "joy",
    "neutral": "neutral",
}

EMORYNLP_EMOTIONS: dict[str, str | None] = {
    "mad": "anger",
    "anger": "anger",
    "sad": "sadness",
    "sadness": "sadness",
    "scared": "fear",
    "fear": "fear",
    "joyful": "joy",
    "happiness": "joy",
    "peaceful": "joy",  # calm contentment, i.e. satisfaction
    "peace": "joy",
    "powerful": None,  # confident / assertive: no counterpart
    "power": None,
    "neutral": "neutral",
}

# EmoryNLP has no sentiment labels: derive them from the emotion (weak labels).
EMORYNLP_SENTIMENT: dict[str, str] = {
    "anger": "negative",
    "sadness": "negative",
    "fear": "negative",
    "happiness": "positive",
    "peace": "positive",
    "power": "positive",
    "neutral": "neutral",
}


def map_emotion(corpus: str, label: str) -> str | None:
    """Our emotion for ``label`` of ``corpus`` ("meld" or "emorynlp"); None when it has none."""
    table = {"meld": MELD_EMOTIONS, "emorynlp": EMORYNLP_EMOTIONS}[corpus]
    return table[label.strip().lower()]
