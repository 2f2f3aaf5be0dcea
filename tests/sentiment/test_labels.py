import json
from pathlib import Path

import pytest

from agent_assist.sentiment.labels import (
    EMORYNLP_EMOTIONS,
    EMORYNLP_SENTIMENT,
    EMOTIONS,
    MELD_EMOTIONS,
    SENTIMENTS,
    map_emotion,
)

MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "sentiment-minilm"


def test_label_order_is_the_logit_order() -> None:
    assert SENTIMENTS == ("negative", "neutral", "positive")
    assert EMOTIONS == ("anger", "sadness", "fear", "confusion", "joy", "neutral")


def test_committed_model_declares_the_same_label_order() -> None:
    config = json.loads((MODEL_DIR / "config.json").read_text(encoding="utf-8"))
    assert tuple(config["sentiments"]) == SENTIMENTS
    assert tuple(config["emotions"]) == EMOTIONS


def test_meld_mapping_covers_all_seven_meld_emotions() -> None:
    meld = {"anger", "disgust", "sadness", "fear", "surprise", "joy", "neutral"}
    assert set(MELD_EMOTIONS) == meld
    assert all(v in EMOTIONS for v in MELD_EMOTIONS.values())
    assert map_emotion("meld", "Disgust") == "anger"
    assert map_emotion("meld", "surprise") == "confusion"


def test_emorynlp_mapping_and_derived_sentiment() -> None:
    labels = {"neutral", "happiness", "fear", "anger", "peace", "power", "sadness"}
    assert labels <= set(EMORYNLP_EMOTIONS)
    assert set(EMORYNLP_SENTIMENT) == labels
    assert all(v is None or v in EMOTIONS for v in EMORYNLP_EMOTIONS.values())
    assert all(v in SENTIMENTS for v in EMORYNLP_SENTIMENT.values())
    assert map_emotion("emorynlp", "power") is None  # masked: no counterpart
    assert map_emotion("emorynlp", "peace") == "joy"
    assert EMORYNLP_SENTIMENT["anger"] == "negative"


def test_every_target_emotion_has_a_source_label() -> None:
    sources = set(MELD_EMOTIONS.values()) | set(EMORYNLP_EMOTIONS.values())
    assert set(EMOTIONS) <= sources


def test_unknown_label_is_an_error() -> None:
    with pytest.raises(KeyError):
        map_emotion("meld", "boredom")
