import pytest

from training import data
from training.data import Example


def _rows(name: str) -> list[Example]:
    return [Example(f"{name} {i}", i % 3, -1, f"hutto-{name}") for i in range(50)]


@pytest.fixture(autouse=True)
def fake_hutto(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(data, "hutto", _rows)


@pytest.mark.parametrize("name", data.HUTTO_TRAINED)
def test_a_trained_hutto_set_is_split_80_20_without_overlap(name: str) -> None:
    split = data.hutto_split(name)
    train = {e.text for e in split["train"]}
    test = {e.text for e in split["test"]}
    assert (len(train), len(test)) == (40, 10)
    assert not train & test
    assert train | test == {e.text for e in _rows(name)}


def test_the_held_out_part_is_the_same_every_time() -> None:
    name = data.HUTTO_TRAINED[0]
    assert data.hutto_split(name)["test"] == data.hutto_split(name)["test"]


@pytest.mark.parametrize("name", sorted(set(data.HUTTO_SETS) - set(data.HUTTO_TRAINED)))
def test_an_untrained_hutto_set_is_all_test(name: str) -> None:
    split = data.hutto_split(name)
    assert split["train"] == []
    assert len(split["test"]) == 50
