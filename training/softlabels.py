"""The teacher's logit cache: one .npz of soft labels per text, its sha256 in a JSON file beside it.

The cache lets the student be rebuilt without the teacher. ``load`` refuses a cache whose bytes
do not match the recorded checksum (a tampered, truncated or half-written file) with one line.
Only the loss needs torch: the cache itself is numpy, checked without torch.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

KEY_BYTES = 16


class CacheError(SystemExit):
    """The logit cache is missing, altered or inconsistent (exits with its one-line message)."""

    def __init__(self, message: str) -> None:
        super().__init__(f"teacher logit cache: {message}")


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()[:KEY_BYTES]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def meta_path(cache: Path) -> Path:
    return cache.with_suffix(".json")


def save(
    cache: Path, texts: list[str], sentiment: np.ndarray, emotion: np.ndarray, about: dict[str, Any]
) -> str:
    """Write the cache (keys = sha256 prefixes of the texts) and its checksum file; return sha."""
    keys = np.array([text_key(t) for t in texts], dtype=f"S{KEY_BYTES}")
    partial = cache.with_name(cache.name + ".partial.npz")
    np.savez(
        partial,
        keys=keys,
        sentiment=sentiment.astype(np.float32),
        emotion=emotion.astype(np.float32),
    )
    os.replace(partial, cache)
    sha = file_sha256(cache)
    meta = {"file": cache.name, "sha256": sha, "rows": len(texts), **about}
    meta_path(cache).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return sha


def verify(cache: Path) -> dict[str, Any]:
    """The cache's metadata, after checking that its bytes match the recorded sha256."""
    meta_file = meta_path(cache)
    if not cache.is_file() or not meta_file.is_file():
        raise CacheError(f"{cache} or {meta_file.name} is missing: run training/teacher.py")
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        expected = str(meta["sha256"])
    except (ValueError, KeyError, TypeError) as error:
        raise CacheError(f"{meta_file}: unreadable checksum file ({error})") from None
    actual = file_sha256(cache)
    if actual != expected:
        raise CacheError(
            f"{cache}: sha256 {actual[:12]}... does not match {meta_file.name} "
            f"({expected[:12]}...): refusing it; delete it and rerun training/teacher.py"
        )
    return dict(meta)


class SoftTargets:
    """The teacher's logits, looked up by text; the distillation loss against them."""

    def __init__(self, keys: np.ndarray, sentiment: np.ndarray, emotion: np.ndarray) -> None:
        self.index = {bytes(k): i for i, k in enumerate(keys)}
        self.sentiment = np.asarray(sentiment, dtype=np.float32)
        self.emotion = np.asarray(emotion, dtype=np.float32)

    @classmethod
    def load(cls, cache: Path) -> SoftTargets:
        meta = verify(cache)
        with np.load(cache, allow_pickle=False) as arrays:
            keys, sentiment, emotion = arrays["keys"], arrays["sentiment"], arrays["emotion"]
        if not len(keys) == len(sentiment) == len(emotion) == meta["rows"]:
            raise CacheError(f"{cache}: {len(keys)} keys for {meta['rows']} recorded rows")
        return cls(keys, sentiment, emotion)

    def __len__(self) -> int:
        return len(self.index)

    def lookup(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Teacher logits for ``texts`` (row 0's where unknown) and a 0/1 mask of known rows."""
        rows = np.array([self.index.get(text_key(t), -1) for t in texts], dtype=np.int64)
        picks = rows.clip(min=0)
        found = (rows >= 0).astype(np.float32)
        return self.sentiment[picks], self.emotion[picks], found

    def loss(
        self, s_logits: torch.Tensor, e_logits: torch.Tensor, texts: list[str], temperature: float
    ) -> torch.Tensor:
        """T² · (KL(teacher ‖ student) of sentiment + of emotion), averaged over known texts."""
        import torch

        t_sent, t_emo, found = (
            torch.from_numpy(x).to(s_logits.device) for x in self.lookup(texts)
        )
        per_row = _kl(s_logits, t_sent, temperature) + _kl(e_logits, t_emo, temperature)
        return (per_row * found).sum() / found.sum().clamp(min=1.0) * temperature**2


def _kl(student: torch.Tensor, teacher: torch.Tensor, temperature: float) -> torch.Tensor:
    import torch.nn.functional as F  # noqa: N812

    log_student = F.log_softmax(student.float() / temperature, -1)
    log_teacher = F.log_softmax(teacher.float() / temperature, -1)
    return F.kl_div(log_student, log_teacher, log_target=True, reduction="none").sum(-1)
