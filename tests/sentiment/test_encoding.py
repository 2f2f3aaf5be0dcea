from pathlib import Path

import pytest

from agent_assist.errors import ModelError
from agent_assist.sentiment.encoding import Encoder

TOKENIZER = Path(__file__).resolve().parents[2] / "models" / "sentiment-minilm" / "tokenizer.json"
CLS, SEP, PAD = 101, 102, 0


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder.from_file(TOKENIZER, max_length=64, max_context=16)


def test_empty_text_is_cls_sep(encoder: Encoder) -> None:
    batch = encoder.encode(["", "   "])
    assert batch.input_ids.tolist() == [[CLS, SEP], [CLS, SEP]]
    assert batch.attention_mask.tolist() == [[1, 1], [1, 1]]


def test_very_long_text_is_truncated_to_max_length(encoder: Encoder) -> None:
    text = "this is taking far too long and I want a refund " * 110
    assert len(text) > 5000
    batch = encoder.encode([text])
    assert batch.input_ids.shape == (1, 64)
    assert batch.input_ids[0, 0] == CLS and batch.input_ids[0, -1] == SEP


def test_one_huge_word_is_truncated(encoder: Encoder) -> None:
    batch = encoder.encode(["x" * 5000])
    assert batch.input_ids.shape[1] <= 64


def test_emoji_and_non_english_do_not_crash(encoder: Encoder) -> None:
    texts = [
        "great service 😀👍",
        "das ist wirklich schrecklich",
        "これはひどいです",
        "¡qué desastre!",
    ]
    batch = encoder.encode(texts)
    assert batch.input_ids.shape[0] == 4
    lengths = batch.attention_mask.sum(1)
    assert all(n > 2 for n in lengths)  # each produced word pieces (or [UNK]) besides CLS/SEP


def test_padding_marks_only_real_tokens(encoder: Encoder) -> None:
    batch = encoder.encode(["no", "I have been waiting on hold for forty minutes"])
    assert batch.input_ids.shape[0] == 2
    assert batch.attention_mask[0].sum() == 3
    assert (batch.input_ids[0, 3:] == PAD).all()
    assert batch.attention_mask[1].all()


def test_context_is_a_second_segment_after_the_text(encoder: Encoder) -> None:
    batch = encoder.encode(["fine."], ["you will have to call back tomorrow"])
    ids = batch.input_ids[0].tolist()
    types = batch.token_type_ids[0].tolist()
    first_sep = ids.index(SEP)
    assert ids[0] == CLS and ids[-1] == SEP
    assert set(types[: first_sep + 1]) == {0}
    assert set(types[first_sep + 1 :]) == {1}


def test_long_context_keeps_its_end_and_the_text_wins(encoder: Encoder) -> None:
    context = " ".join(str(i) for i in range(200))
    batch = encoder.encode(["ok"], [context])
    assert int(batch.token_type_ids[0].sum()) == 16 + 1  # 16 context pieces + SEP
    long_text = "word " * 100
    batch = encoder.encode([long_text], [context])
    assert batch.input_ids.shape[1] == 64
    assert int(batch.token_type_ids.sum()) == 0  # no room left for context


def test_none_context_is_the_same_as_no_context(encoder: Encoder) -> None:
    a = encoder.encode(["thank you so much"], [None])
    b = encoder.encode(["thank you so much"])
    assert a.input_ids.tolist() == b.input_ids.tolist()


def test_unreadable_tokenizer_is_a_model_error(tmp_path: Path) -> None:
    bad = tmp_path / "tokenizer.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="tokenizer.json"):
        Encoder.from_file(bad)
