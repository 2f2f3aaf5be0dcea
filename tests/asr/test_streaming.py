"""The caption drafts read their silence thresholds from the config, as the final decode does."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from agent_assist.asr.streaming import DraftTranscriber
from agent_assist.config import AsrConfig
from agent_assist.contracts import SAMPLE_RATE


class OneSegmentModel:
    """Decodes anything as one quiet, unsure segment ("hmm")."""

    def transcribe(self, audio: np.ndarray, **options: Any) -> tuple[list[Any], None]:
        return [SimpleNamespace(text=" hmm", no_speech_prob=0.7, avg_logprob=-1.5)], None


@pytest.mark.parametrize(
    ("asr", "text"),
    [
        (AsrConfig(), ""),  # 0.7 > 0.6 and -1.5 < -1.0: Whisper's silence
        (AsrConfig(no_speech_threshold=0.8), "hmm"),
        (AsrConfig(log_prob_threshold=-2.0), "hmm"),
    ],
)
def test_drafts_drop_silence_by_the_configured_thresholds(asr: AsrConfig, text: str) -> None:
    draft = DraftTranscriber.from_config(OneSegmentModel(), asr, "en")
    assert draft.transcribe(np.zeros(SAMPLE_RATE, np.float32)).text == text


def test_drafts_use_the_configured_live_window() -> None:
    draft = DraftTranscriber.from_config(OneSegmentModel(), AsrConfig(live_window_s=20.0), None)
    assert (draft.window_s, draft.language) == (20.0, None)
