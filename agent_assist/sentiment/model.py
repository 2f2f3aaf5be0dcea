"""Our sentiment + emotion model at run time: tokenizers + onnxruntime, one session, batched."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from agent_assist import modelstore
from agent_assist.config import SentimentConfig
from agent_assist.errors import ModelError
from agent_assist.events import Sentiment
from agent_assist.sentiment.encoding import Encoder
from agent_assist.sentiment.labels import EMOTIONS, SENTIMENTS

log = logging.getLogger(__name__)
MODEL_NAME = "sentiment-minilm"
FILES = ("model.onnx", "tokenizer.json", "config.json")
BATCH = 32


def _read_config(path: Path) -> dict[str, Any]:
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelError(f"{path}: cannot read model config ({error})") from None
    if (
        tuple(config.get("sentiments", ())) != SENTIMENTS
        or tuple(config.get("emotions", ())) != EMOTIONS
    ):
        raise ModelError(f"{path}: label order does not match this version of agent-assist")
    return dict(config)


def _providers(use_gpu: bool) -> list[str]:
    if use_gpu and "CUDAExecutionProvider" in ort.get_available_providers():
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


class OnnxSentimentModel:
    """Scores texts as negative/neutral/positive (calibrated) plus one of ``EMOTIONS``."""

    def __init__(self, session: ort.InferenceSession, encoder: Encoder, use_context: bool) -> None:
        self._session = session
        self._encoder = encoder
        self.use_context = use_context
        self._inputs = {i.name for i in session.get_inputs()}

    @classmethod
    def load(
        cls, model_dir: Path | None = None, threads: int = 1, use_gpu: bool = False
    ) -> OnnxSentimentModel:
        if model_dir is None:
            model_dir = modelstore.locate(modelstore.find_spec(MODEL_NAME))
        for name in FILES:
            if not (model_dir / name).is_file():
                raise ModelError(f"model {MODEL_NAME}: file {model_dir / name} is missing")
        config = _read_config(model_dir / "config.json")
        encoder = Encoder.from_file(
            model_dir / "tokenizer.json",
            int(config.get("max_length", 64)),
            int(config.get("max_context", 24)),
        )
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # No arena: it keeps the peak of the largest batch forever (+32 MB for 32 long texts);
        # plain malloc/free lets the live worker's malloc_trim give it back.
        options.enable_cpu_mem_arena = False
        path = model_dir / "model.onnx"
        try:
            session = ort.InferenceSession(str(path), options, providers=_providers(use_gpu))
        except Exception as error:  # onnxruntime raises its own untyped exceptions
            first = (
                str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            )
            raise ModelError(f"{path}: cannot load ONNX model ({first})") from None
        log.info("loaded %s (%s, %d thread(s))", path, session.get_providers()[0], threads)
        return cls(session, encoder, bool(config.get("use_context", False)))

    @classmethod
    def from_config(cls, config: SentimentConfig, use_gpu: bool = False) -> OnnxSentimentModel:
        """The configured model: the bundled one (checked against the manifest), or the custom
        ``sentiment.model_path``, which loads only when ``sentiment.model_sha256`` has a
        matching sha256 for each of its files."""
        if not config.model_path:
            return cls.load(None, threads=config.threads, use_gpu=use_gpu)
        folder = Path(config.model_path)
        modelstore.verify_custom(folder, FILES, config.model_sha256, "sentiment.model_path")
        return cls.load(folder, threads=config.threads, use_gpu=use_gpu)

    def probabilities(
        self, texts: Sequence[str], contexts: Sequence[str | None] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated (sentiment, emotion) probability arrays, one row per text, in input order.

        Texts are batched shortest first, so a batch pads its rows to similar lengths."""
        if not self.use_context or contexts is None:
            contexts = None
        elif len(contexts) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(contexts)} contexts")
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        sent = np.zeros((len(texts), len(SENTIMENTS)), dtype=np.float32)
        emo = np.zeros((len(texts), len(EMOTIONS)), dtype=np.float32)
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            part_ctx = None if contexts is None else [contexts[i] for i in rows]
            batch = self._encoder.encode([texts[i] for i in rows], part_ctx)
            feed = {
                "input_ids": batch.input_ids,
                "attention_mask": batch.attention_mask,
                "token_type_ids": batch.token_type_ids,
            }
            s, e = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})
            sent[rows], emo[rows] = s, e
        return sent, emo

    def score(
        self, texts: Sequence[str], contexts: Sequence[str | None] | None = None
    ) -> list[Sentiment]:
        sent, emo = self.probabilities(texts, contexts)
        return [_to_sentiment(s, e) for s, e in zip(sent, emo, strict=True)]


def _to_sentiment(sent: np.ndarray, emo: np.ndarray) -> Sentiment:
    scores = {label: float(p) for label, p in zip(SENTIMENTS, sent, strict=True)}
    emotion_scores = {label: float(p) for label, p in zip(EMOTIONS, emo, strict=True)}
    return Sentiment(
        label=SENTIMENTS[int(np.argmax(sent))],
        scores=scores,
        emotion=EMOTIONS[int(np.argmax(emo))],
        emotion_scores=emotion_scores,
    )
