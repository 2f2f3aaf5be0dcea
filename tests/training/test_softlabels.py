import json
from pathlib import Path

import numpy as np
import pytest

from training import softlabels
from training.softlabels import CacheError, SoftTargets

TEXTS = ["I want my money back.", "thanks that fixed it", "press 7 to delete this message"]


def _cache(folder: Path) -> Path:
    cache = folder / "logits.npz"
    sentiment = np.array([[3.0, 0.0, -1.0], [-1.0, 0.0, 2.0], [0.0, 2.5, 0.0]])
    emotion = np.arange(18, dtype=np.float32).reshape(3, 6)
    softlabels.save(cache, TEXTS, sentiment, emotion, {"pool_sha256": "p"})
    return cache


def test_a_verified_cache_gives_each_text_its_own_logits(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    meta = json.loads(cache.with_suffix(".json").read_text())
    assert meta["sha256"] == softlabels.file_sha256(cache)
    assert meta["rows"] == 3

    targets = SoftTargets.load(cache)
    sent, emo, found = targets.lookup(["press 7 to delete this message", "never seen", TEXTS[0]])

    assert found.tolist() == [1.0, 0.0, 1.0]
    assert sent[0].tolist() == [0.0, 2.5, 0.0]
    assert sent[2].tolist() == [3.0, 0.0, -1.0]
    assert emo[0].tolist() == list(range(12, 18))


def test_a_tampered_cache_is_refused_with_one_line(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    raw = bytearray(cache.read_bytes())
    raw[-40] ^= 0xFF  # one flipped byte inside the arrays
    cache.write_bytes(bytes(raw))

    with pytest.raises(CacheError) as refused:
        SoftTargets.load(cache)

    message = str(refused.value)
    assert "\n" not in message
    assert str(cache) in message
    assert "does not match logits.json" in message


def test_a_cache_without_its_checksum_file_is_refused(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    cache.with_suffix(".json").unlink()

    with pytest.raises(CacheError, match="missing: run training/teacher.py"):
        SoftTargets.load(cache)


def test_an_unreadable_checksum_file_is_refused(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    cache.with_suffix(".json").write_text("{not json")

    with pytest.raises(CacheError, match="unreadable checksum file"):
        softlabels.verify(cache)


def test_the_distillation_loss_is_zero_at_the_teachers_logits_and_skips_unknown_texts(
    tmp_path: Path,
) -> None:
    torch = pytest.importorskip("torch", reason="the loss needs torch (the train extra)")
    targets = SoftTargets.load(_cache(tmp_path))
    sent, emo, _ = targets.lookup(TEXTS)
    same = targets.loss(torch.from_numpy(sent), torch.from_numpy(emo), TEXTS, 2.0)
    assert float(same) == pytest.approx(0.0, abs=1e-6)

    flat = torch.zeros(4, 3), torch.zeros(4, 6)
    with_unknown = targets.loss(*flat, [*TEXTS, "never seen"], 2.0)
    known_only = targets.loss(flat[0][:3], flat[1][:3], TEXTS, 2.0)
    assert float(with_unknown) == pytest.approx(float(known_only))
    assert float(known_only) > 0.1
