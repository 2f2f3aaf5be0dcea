"""Customer sentiment and emotion: our fine-tuned MiniLM, int8 ONNX (models/sentiment-minilm)."""

from agent_assist.sentiment.labels import EMOTIONS, SENTIMENTS
from agent_assist.sentiment.model import OnnxSentimentModel

__all__ = ["EMOTIONS", "SENTIMENTS", "OnnxSentimentModel"]
