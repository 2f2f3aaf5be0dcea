from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from agent_assist.asr.streaming import DraftTranscriber, LocalAgreement, PartialCaptioner, word_key
from agent_assist.contracts import SAMPLE_RATE, SpeechInProgress
from agent_assist.events import Word
from tests.live.helpers import GrowingTranscriber

DATA = Path(__file__).parent.parent / "data"


def words(text: str) -> list[Word]:
    return [Word(i * 0.3, i * 0.3 + 0.25, w, 0.9) for i, w in enumerate(text.split())]


def test_words_are_committed_when_two_hypotheses_agree() -> None:
    agreement = LocalAgreement()
    assert agreement.insert(words("I want")) == []
    assert agreement.stable_text == ""
    assert agreement.text == "I want"
    committed = agreement.insert(words("I want to cancel"))
    assert [w.text for w in committed] == ["I", "want"]
    assert agreement.stable_text == "I want"
    assert agreement.text == "I want to cancel"


def test_disagreement_stops_the_commit_and_committed_words_never_change() -> None:
    agreement = LocalAgreement()
    agreement.insert(words("I want to cancel"))
    agreement.insert(words("I want two cancel my"))
    assert agreement.stable_text == "I want"
    agreement.insert(words("I wanted to cancel my account"))
    assert agreement.stable_text == "I want"
    assert agreement.text == "I want to cancel my account"
    agreement.insert(words("I wanted to cancel my account now"))
    assert agreement.stable_text == "I want to cancel my account"


def test_comparison_ignores_case_and_punctuation() -> None:
    assert word_key("Hello,") == word_key("hello")
    agreement = LocalAgreement()
    agreement.insert(words("Hello, there"))
    agreement.insert(words("hello there friend"))
    assert agreement.stable_text == "hello there"


def progress(start: float, seconds: float) -> SpeechInProgress:
    audio = np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)
    return SpeechInProgress("customer", start, start + seconds, audio)


def test_captioner_emits_growing_partials_and_resets_for_a_new_utterance() -> None:
    captioner = PartialCaptioner(GrowingTranscriber("one two three four five six", 0.25))
    first = captioner.update(progress(1.0, 0.5))
    assert first is not None and first.text == "one two" and first.stable_text == ""
    second = captioner.update(progress(1.0, 1.0))
    assert second is not None
    assert second.stable_text == "one two" and second.text == "one two three four"
    assert (second.start, second.end) == (1.0, 2.0)
    third = captioner.update(progress(5.0, 0.5))
    assert third is not None and third.stable_text == ""


def test_captioner_gives_nothing_for_silence() -> None:
    captioner = PartialCaptioner(GrowingTranscriber("one two", 0.25))
    assert captioner.update(progress(0.0, 0.1)) is None


class WindowRecordingModel:
    """Stands in for ``WindowedWhisper``: records the encoder window of each decode."""

    def __init__(self) -> None:
        self.windows: list[float] = []
        self.token_caps: list[int] = []
        self._window = 30.0

    @contextmanager
    def window(self, seconds: float) -> Iterator[None]:
        self._window = seconds
        yield
        self._window = 30.0

    def transcribe(self, audio: np.ndarray, **options: Any) -> tuple[list[Any], None]:
        self.windows.append(self._window)
        self.token_caps.append(options["max_new_tokens"])
        return [], None


def test_drafts_use_the_short_window_and_a_token_cap_that_grows_with_the_audio() -> None:
    model = WindowRecordingModel()
    draft = DraftTranscriber(model, "en", window_s=10.0)
    for seconds in (0.5, 0.9, 1.0, 9.5, 14.5):
        draft.transcribe(np.zeros(int(seconds * SAMPLE_RATE), np.float32))
    assert model.windows == [10.0, 10.0, 10.0, 15.0, 20.0]
    assert model.token_caps == [6, 8, 9, 60, 90]


@pytest.mark.slow
def test_the_draft_decoder_and_agreement_on_real_speech(real_models) -> None:  # noqa: ANN001
    audio, _ = sf.read(DATA / "jfk.flac", dtype="float32")
    draft = real_models.partial_transcriber
    assert isinstance(draft, DraftTranscriber)
    captioner = PartialCaptioner(draft)
    partials = [
        captioner.update(SpeechInProgress("customer", 0.0, end, audio[: int(end * SAMPLE_RATE)]))
        for end in (1.5, 2.0, 2.5, 3.0, 3.5)
    ]
    last = partials[-1]
    assert last is not None
    assert "fellow americans" in last.text.lower().replace(",", "")
    assert "fellow" in last.stable_text.lower()
    stable = [p.stable_text for p in partials if p is not None]
    assert all(
        later.startswith(earlier) for earlier, later in zip(stable, stable[1:], strict=False)
    )
    assert draft.transcribe(np.zeros(SAMPLE_RATE, np.float32)).text == ""
