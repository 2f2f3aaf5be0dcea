"""Texts (and optional previous turns) to padded BERT inputs; shared by training and runtime."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from agent_assist.errors import ModelError

MAX_CHARS = 1000  # far more than max_length word pieces ever need; bounds tokenisation time


@dataclass(frozen=True)
class Batch:
    input_ids: np.ndarray
    attention_mask: np.ndarray
    token_type_ids: np.ndarray


class Encoder:
    """WordPiece encoding with ``[CLS] text [SEP] (context [SEP])``, text first, int64 arrays."""

    def __init__(self, tokenizer: Tokenizer, max_length: int = 64, max_context: int = 24) -> None:
        self._tok = tokenizer
        self._tok.no_padding()
        self._tok.no_truncation()
        self.max_length = max_length
        self.max_context = max_context
        ids = [tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]", "[PAD]")]
        cls_id, sep_id, pad_id = ids
        if cls_id is None or sep_id is None or pad_id is None:
            raise ModelError("tokenizer.json: missing [CLS]/[SEP]/[PAD] tokens")
        self._cls, self._sep, self._pad = cls_id, sep_id, pad_id

    @classmethod
    def from_file(cls, path: Path, max_length: int = 64, max_context: int = 24) -> Encoder:
        try:
            tokenizer = Tokenizer.from_file(str(path))
        except Exception as error:  # tokenizers raises plain Exception subclasses
            raise ModelError(f"{path}: cannot read tokenizer ({error})") from None
        return cls(tokenizer, max_length, max_context)

    @staticmethod
    def _prepare(text: str | None) -> str:
        return " ".join((text or "").split())[:MAX_CHARS]

    def encode(self, texts: Sequence[str], contexts: Sequence[str | None] | None = None) -> Batch:
        pieces = self._tok.encode_batch([self._prepare(t) for t in texts], add_special_tokens=False)
        if contexts is None:
            contexts = [None] * len(texts)
        ctx_pieces = self._tok.encode_batch(
            [self._prepare(c) for c in contexts], add_special_tokens=False
        )
        rows: list[tuple[list[int], list[int]]] = []
        for text, context, raw in zip(pieces, ctx_pieces, contexts, strict=True):
            ids = [self._cls, *text.ids[: self.max_length - 2], self._sep]
            types = [0] * len(ids)
            room = min(self.max_context, self.max_length - len(ids) - 1)
            if raw and room > 0 and context.ids:
                tail = context.ids[-room:]
                ids += [*tail, self._sep]
                types += [1] * (len(tail) + 1)
            rows.append((ids, types))
        width = max(len(ids) for ids, _ in rows)
        input_ids = np.full((len(rows), width), self._pad, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        type_ids = np.zeros((len(rows), width), dtype=np.int64)
        for i, (ids, types) in enumerate(rows):
            input_ids[i, : len(ids)] = ids
            mask[i, : len(ids)] = 1
            type_ids[i, : len(ids)] = types
        return Batch(input_ids, mask, type_ids)
