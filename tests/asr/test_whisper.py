"""WhisperTranscriber: device choice, model paths, gates; the real models on real speech."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from agent_assist import modelstore
from agent_assist.asr import whisper, window
from agent_assist.asr.metrics import word_error_rate
from agent_assist.asr.whisper import WhisperTranscriber, select_device
from agent_assist.audio.files import load_call
from agent_assist.config import AsrConfig, VadConfig
from agent_assist.contracts import Utterance
from agent_assist.core.models import Models
from agent_assist.errors import ModelError
from agent_assist.vad.segmenter import Segmenter
from agent_assist.vad.silero import SileroVad

DATA = Path(__file__).resolve().parents[1] / "data"
JFK_TEXT = (
    "And so my fellow Americans, ask not what your country can do for you,"
    " ask what you can do for your country."
)


# --- device selection -------------------------------------------------------------------------


def test_cpu_is_int8() -> None:
    assert select_device("cpu")[:2] == ("cpu", "int8")


def test_auto_and_cuda_use_the_gpu_when_there_is_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(whisper.ctranslate2, "get_cuda_device_count", lambda: 1)
    assert select_device("auto")[:2] == ("cuda", "float16")
    assert select_device("cuda")[:2] == ("cuda", "float16")
    assert select_device("cpu")[:2] == ("cpu", "int8")


def test_no_gpu_falls_back_to_cpu_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(whisper.ctranslate2, "get_cuda_device_count", lambda: 0)
    device, compute, message = select_device("cuda")
    assert (device, compute) == ("cpu", "int8")
    assert "falling back to CPU" in message
    assert select_device("auto")[:2] == ("cpu", "int8")

    def broken() -> int:
        raise RuntimeError("libcudart.so not found")

    monkeypatch.setattr(whisper.ctranslate2, "get_cuda_device_count", broken)
    assert select_device("auto")[:2] == ("cpu", "int8")


def test_a_gpu_that_fails_to_load_the_model_falls_back_to_cpu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(whisper, "select_device", lambda requested: ("cuda", "float16", "GPU"))
    opened = []

    def fake_open(folder: Path, device: str, compute_type: str, threads: int) -> FakeModel:
        opened.append((device, compute_type, threads))
        if device == "cuda":
            raise RuntimeError("CUDA failed with error: no CUDA-capable device is detected")
        return FakeModel()

    monkeypatch.setattr(whisper, "_open", fake_open)
    transcriber = WhisperTranscriber.load(AsrConfig(device="cuda", cpu_threads=3))
    assert opened == [("cuda", "float16", 3), ("cpu", "int8", 3)]
    assert (transcriber.device, transcriber.compute_type) == ("cpu", "int8")
    assert "falling back to CPU" in transcriber.device_message


# --- hallucination gates (a fake model returns scripted segments) ---------------------------


def _segment(
    text: str,
    no_speech: float = 0.01,
    logprob: float = -0.2,
    ratio: float = 1.2,
    probability: float = 0.9,
    start: float = 0.0,
    step: float = 0.1,
) -> SimpleNamespace:
    words = [
        SimpleNamespace(
            start=start + step * i,
            end=start + step * (i + 1),
            word=" " + w,
            probability=probability,
        )
        for i, w in enumerate(text.split())
    ]
    return SimpleNamespace(
        start=start,
        end=start + step * max(1, len(words)),
        text=" " + text,
        words=words,
        no_speech_prob=no_speech,
        avg_logprob=logprob,
        compression_ratio=ratio,
        tokens=[1] * 5,
    )


class FakeModel:
    def __init__(self, *segments: SimpleNamespace) -> None:
        self.segments = segments
        self.model = SimpleNamespace(is_multilingual=False)
        self.options: dict[str, Any] = {}

    def transcribe(self, audio: np.ndarray, **options: Any) -> tuple[Any, None]:
        self.options = options
        return iter(self.segments), None


def _fake(*segments: SimpleNamespace) -> tuple[WhisperTranscriber, FakeModel]:
    model = FakeModel(*segments)
    return WhisperTranscriber(model, AsrConfig(), "cpu", "int8", "fake"), model


LOUD = (0.3 * np.sin(np.arange(16_000) / 5)).astype(np.float32)
QUIET = np.zeros(16_000, dtype=np.float32)


def test_decoding_options_guard_against_hallucination() -> None:
    transcriber, model = _fake(_segment("hello there"))
    transcriber.transcribe(LOUD)
    assert model.options["condition_on_previous_text"] is False
    assert model.options["vad_filter"] is False
    assert model.options["word_timestamps"] is True
    assert model.options["language"] == "en"
    # Temperature 0 only: no sampling fallback, so the same audio always gives the same text;
    # silence is judged on the scores here.
    assert model.options["temperature"] == 0.0
    assert model.options["compression_ratio_threshold"] == AsrConfig().compression_ratio_threshold
    assert model.options["no_speech_threshold"] is None
    assert model.options["log_prob_threshold"] is None
    assert model.options["max_new_tokens"] < 100  # 1 s of audio: a loop stops early


def test_clean_speech_is_reliable_with_mean_word_confidence() -> None:
    transcriber, _ = _fake(_segment("I want to cancel my account", probability=0.8))
    result = transcriber.transcribe(LOUD)
    assert result.text == "I want to cancel my account"
    assert [w.text for w in result.words] == ["I", "want", "to", "cancel", "my", "account"]
    assert result.confidence == pytest.approx(0.8)
    assert result.reliable


@pytest.mark.parametrize(
    ("segment", "audio"),
    [
        (_segment("you", no_speech=0.5), LOUD),
        (_segment("Thank you.", no_speech=0.05), QUIET),
        (_segment("Thanks for watching!", no_speech=0.3), LOUD),
        (_segment("I'm not sure", no_speech=0.8, logprob=-1.5), LOUD),
        (_segment(". . . .", no_speech=0.9), QUIET),
        (_segment("I'm sorry, " * 10, no_speech=0.8, logprob=-0.3, ratio=5.0), LOUD),
    ],
)
def test_silence_and_known_silence_phrases_are_dropped(
    segment: SimpleNamespace, audio: np.ndarray
) -> None:
    transcriber, _ = _fake(segment)
    result = transcriber.transcribe(audio)
    assert result.text == "" and result.words == ()
    assert result.no_speech_prob == pytest.approx(segment.no_speech_prob)


def test_a_real_thank_you_is_kept() -> None:
    transcriber, _ = _fake(_segment("Thank you.", no_speech=0.02))
    assert transcriber.transcribe(LOUD).text == "Thank you."


@pytest.mark.parametrize(
    "segment",
    [
        _segment("it it it it it it it it it it it it", ratio=3.1),
        _segment("maybe this is what they said", logprob=-1.4),
        _segment("garbled words here", probability=0.3),
    ],
)
def test_gates_mark_doubtful_text_unreliable(segment: SimpleNamespace) -> None:
    transcriber, _ = _fake(segment)
    result = transcriber.transcribe(LOUD)
    assert result.text and not result.reliable


def test_a_surviving_repetition_loop_is_cut_back_and_unreliable() -> None:
    loop = "and here's more words " + "I'm sorry " * 30 + "and that should be all"
    transcriber, _ = _fake(_segment(loop, ratio=6.5))
    result = transcriber.transcribe(LOUD)
    assert result.text == "and here's more words I'm sorry and that should be all"
    assert len(result.words) == 11
    assert not result.reliable


def test_short_real_repetitions_are_left_alone() -> None:
    text = "here's some more words words words words"
    transcriber, _ = _fake(_segment(text, ratio=2.6))
    assert transcriber.transcribe(LOUD).text == text
    transcriber, _ = _fake(_segment("no " * 8 + "never", ratio=2.0))
    assert transcriber.transcribe(LOUD).text == ("no " * 8 + "never").strip()


def test_packing_groups_consecutive_utterances_within_the_window() -> None:
    second = 16_000
    assert window.pack([10 * second] * 5, 28 * second, second // 5) == [[0, 1], [2, 3], [4]]
    assert window.pack([40 * second, second, second], 28 * second, 0) == [[0], [1, 2]]
    assert window.pack([], 28 * second, 0) == []


def test_packed_words_go_back_to_the_utterance_they_were_spoken_in() -> None:
    # Two 1 s utterances packed with a 0.2 s gap: the second starts at 1.2 s in the window.
    transcriber, model = _fake(
        _segment("hello there", start=0.1, step=0.3),
        _segment("good morning", start=0.75, step=0.55),
    )
    first, second = transcriber.transcribe_many([LOUD, LOUD])
    assert first.text == "hello there good"
    assert second.text == "morning"
    assert second.words[0].start == pytest.approx(1.3 - 1.2)
    assert first.reliable and second.reliable


# --- model paths ----------------------------------------------------------------------------


def test_custom_profile_needs_a_path() -> None:
    with pytest.raises(ModelError, match="asr.model_path"):
        WhisperTranscriber.load(AsrConfig(profile="custom", model_path=""))


def test_custom_model_directory_missing(tmp_path: Path) -> None:
    folder = tmp_path / "no-such-model"
    with pytest.raises(ModelError) as caught:
        WhisperTranscriber.load(AsrConfig(profile="custom", model_path=str(folder)))
    assert str(folder) in str(caught.value) and "\n" not in str(caught.value)


def _copy_tiny(target: Path) -> Path:
    source = modelstore.locate(modelstore.find_spec("whisper-tiny.en"))
    target.mkdir()
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copy(source / name, target / name)
    return source


def test_custom_model_without_model_bin(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    _copy_tiny(folder)
    with pytest.raises(ModelError, match="model.bin is missing"):
        WhisperTranscriber.load(AsrConfig(profile="custom", model_path=str(folder)))


def _sums(folder: Path) -> dict[str, str]:
    return {p.name: modelstore.sha256_of(p) for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize("sums_of", ["original", "copy"])
def test_custom_model_with_corrupt_model_bin(tmp_path: Path, sums_of: str) -> None:
    folder = tmp_path / "model"
    source = _copy_tiny(folder)
    (folder / "model.bin").write_bytes((source / "model.bin").read_bytes()[:100_000])
    sums = _sums(source if sums_of == "original" else folder)
    config = AsrConfig(profile="custom", model_path=str(folder), device="cpu", model_sha256=sums)
    with pytest.raises(ModelError) as caught:
        WhisperTranscriber.load(config)
    message = str(caught.value)
    assert str(folder / "model.bin") in message and "\n" not in message


def test_custom_model_needs_checksums(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    shutil.copytree(_copy_tiny(tmp_path / "scratch"), folder)
    sums = _sums(folder)
    del sums["vocabulary.txt"]
    with pytest.raises(ModelError) as caught:
        WhisperTranscriber.load(AsrConfig(profile="custom", model_path=str(folder)))
    message = str(caught.value)
    assert message.startswith(f"asr.model_path: custom model {folder} has no checksum for")
    assert "asr.model_sha256" in message and "\n" not in message
    with pytest.raises(ModelError, match="no checksum for vocabulary.txt;"):
        WhisperTranscriber.load(
            AsrConfig(profile="custom", model_path=str(folder), model_sha256=sums)
        )


# --- the real models on real speech (integration) ------------------------------------------


@pytest.fixture(scope="module")
def tiny(real_models: Models) -> WhisperTranscriber:
    """The default ("fast") profile's tiny.en, as the app loads it."""
    assert isinstance(real_models.transcriber, WhisperTranscriber)
    return real_models.transcriber


@pytest.fixture(scope="module")
def jfk() -> np.ndarray:
    audio, _ = sf.read(DATA / "jfk.flac", dtype="float32")
    return audio


@pytest.mark.slow
def test_tiny_transcribes_real_speech(tiny: WhisperTranscriber, jfk: np.ndarray) -> None:
    assert (tiny.device, tiny.compute_type) == ("cpu", "int8")
    result = tiny.transcribe(jfk)
    assert word_error_rate(JFK_TEXT, result.text) <= 0.1, result.text
    assert result.reliable and result.confidence > 0.7
    starts = [w.start for w in result.words]
    assert starts == sorted(starts)
    assert result.words[0].start >= 0.0 and result.words[-1].end <= 11.0 + 0.1
    assert result.no_speech_prob < 0.3


@pytest.mark.slow
def test_tiny_gives_no_text_for_silence_and_hiss(tiny: WhisperTranscriber) -> None:
    assert tiny.transcribe(np.zeros(3 * 16_000, dtype=np.float32)).text == ""
    hiss = np.random.default_rng(3).standard_normal(3 * 16_000).astype(np.float32) * 0.01
    assert tiny.transcribe(hiss).text == ""


@pytest.mark.slow
def test_stereo_call_to_text_per_role_through_vad_and_tiny(
    tiny: WhisperTranscriber, jfk: np.ndarray, tmp_path: Path
) -> None:
    agent, _ = sf.read(DATA / "librivox_ill_disposed.flac", dtype="float32")
    gap = np.zeros(16_000, dtype=np.float32)
    left = np.concatenate([gap, agent, np.zeros(len(jfk) + 16_000, dtype=np.float32)])
    right = np.concatenate([np.zeros(len(agent) + 32_000, dtype=np.float32), jfk])
    path = tmp_path / "call.wav"
    sf.write(path, np.stack([left, right], axis=1), 16_000, subtype="PCM_16")
    vad = SileroVad.load()
    texts = {}
    for role, audio in load_call(path).items():
        segmenter = Segmenter(role, vad.fresh(), VadConfig())
        found = [u for u in segmenter.accept(audio) if isinstance(u, Utterance)]
        found += segmenter.finish()
        assert all(u.speaker == role for u in found)
        texts[role] = " ".join(tiny.transcribe(u.audio).text for u in found)
    assert word_error_rate(JFK_TEXT, texts["customer"]) <= 0.15, texts
    assert "young man" in texts["agent"].lower(), texts
    assert "country" not in texts["agent"].lower(), texts


@pytest.mark.slow
def test_packed_transcription_matches_the_utterances(
    tiny: WhisperTranscriber, jfk: np.ndarray
) -> None:
    segmenter = Segmenter("customer", SileroVad.load(), VadConfig())
    found = [u for u in segmenter.accept(jfk) if isinstance(u, Utterance)] + segmenter.finish()
    assert len(found) >= 2
    results = tiny.transcribe_many([u.audio for u in found])
    assert len(results) == len(found)
    assert word_error_rate(JFK_TEXT, " ".join(r.text for r in results)) <= 0.15
    for utterance, result in zip(found, results, strict=True):
        assert result.text
        assert all(
            0.0 <= w.start <= w.end <= utterance.end - utterance.start + 0.1 for w in result.words
        )


@pytest.mark.slow
def test_custom_profile_loads_a_local_directory(jfk: np.ndarray) -> None:
    folder = modelstore.locate(modelstore.find_spec("whisper-tiny.en"))
    config = AsrConfig(profile="custom", model_path=str(folder), model_sha256=_sums(folder))
    transcriber = WhisperTranscriber.load(config)
    assert word_error_rate(JFK_TEXT, transcriber.transcribe(jfk[: 5 * 16_000]).text) < 1.0


@pytest.mark.slow
def test_accurate_profile_assembles_base_and_transcribes(tmp_path: Path, jfk: np.ndarray) -> None:
    transcriber = WhisperTranscriber.load(AsrConfig(profile="accurate", beam_size=1))
    assert transcriber.model_name == "whisper-base"
    assert modelstore.locate(modelstore.find_spec("whisper-base")).is_relative_to(tmp_path)
    assert word_error_rate(JFK_TEXT, transcriber.transcribe(jfk).text) <= 0.1
    assert transcriber.transcribe(np.zeros(2 * 16_000, dtype=np.float32)).text == ""


# --- packed decoding that does not map back falls back to one utterance at a time ------------


class PackingModel:
    """Decodes each utterance alone as ``solo`` says (keyed by length); any other audio (a
    packed window) gives the scripted ``packed`` segments."""

    def __init__(self, solo: dict[int, SimpleNamespace], packed: list[SimpleNamespace]) -> None:
        self.solo = solo
        self.packed = packed
        self.model = SimpleNamespace(is_multilingual=False)
        self.windows: list[int] = []

    def transcribe(self, audio: np.ndarray, **options: Any) -> tuple[Any, None]:
        self.windows.append(len(audio))
        if len(audio) in self.solo:
            return iter([self.solo[len(audio)]]), None
        return iter(self.packed), None


SPOKEN = ["please cancel it", "my account number", "is four two"]
PARTS = [LOUD[:12_000], np.tile(LOUD, 2)[:20_000], np.tile(LOUD, 2)[:28_000]]
"""Three utterances (0.75, 1.25 and 1.75 s); packed with 0.2 s gaps the window is 4.15 s."""


def _collapsed(**changes: Any) -> SimpleNamespace:
    """What a failed packed decode looks like: every word crammed into the last utterance."""
    segment = _segment(" ".join(SPOKEN), start=2.5, step=0.15)
    for key, value in changes.items():
        setattr(segment, key, value)
    return segment


@pytest.mark.parametrize(
    "packed",
    [
        [_collapsed()],
        [_collapsed(temperature=0.6)],
        [_segment(" ".join(SPOKEN), step=0.3, ratio=3.2)],
        [_collapsed(words=[])],
        [_segment(" ".join(SPOKEN), start=1.0, step=0.9)],
    ],
    ids=["words-in-one-utterance", "sampled", "loop", "no-word-times", "words-past-the-end"],
)
def test_a_packed_decode_that_does_not_map_back_is_redone_per_utterance(
    packed: list[SimpleNamespace],
) -> None:
    solo = {
        len(part): _segment(text, start=0.05, step=0.2)
        for part, text in zip(PARTS, SPOKEN, strict=True)
    }
    model = PackingModel(solo, packed)
    transcriber = WhisperTranscriber(model, AsrConfig(), "cpu", "int8", "fake")
    results = transcriber.transcribe_many(PARTS)
    assert [r.text for r in results] == SPOKEN  # nothing dropped, nothing moved
    for part, result in zip(PARTS, results, strict=True):
        assert result.words[0].start == pytest.approx(0.05)
        assert all(0.0 <= w.start <= w.end <= len(part) / 16_000 for w in result.words)
    assert model.windows[0] == sum(len(p) for p in PARTS) + 2 * 3_200  # the pack came first


def test_a_packed_decode_that_maps_back_is_used_as_it_is() -> None:
    # One segment per utterance, each at its own place in the 4.15 s window.
    packed = [
        _segment(SPOKEN[0], start=0.05, step=0.2),
        _segment(SPOKEN[1], start=0.95 + 0.05, step=0.2),
        _segment(SPOKEN[2], start=2.4 + 0.05, step=0.2),
    ]
    model = PackingModel({}, packed)
    transcriber = WhisperTranscriber(model, AsrConfig(), "cpu", "int8", "fake")
    results = transcriber.transcribe_many(PARTS)
    assert [r.text for r in results] == SPOKEN
    assert len(model.windows) == 1
    assert [r.words[0].start for r in results] == pytest.approx([0.05, 0.05, 0.05])


def test_a_pack_that_only_left_out_a_filler_is_kept() -> None:
    # The middle utterance alone is "um": packed Whisper leaving it out loses nothing.
    packed = [
        _segment(SPOKEN[0], start=0.05, step=0.2),
        _segment(SPOKEN[2], start=2.4 + 0.05, step=0.2),
    ]
    model = PackingModel({20_000: _segment("Um.", start=0.1, step=0.3)}, packed)
    transcriber = WhisperTranscriber(model, AsrConfig(), "cpu", "int8", "fake")
    results = transcriber.transcribe_many(PARTS)
    assert [r.text for r in results] == [SPOKEN[0], "", SPOKEN[2]]
    assert model.windows == [sum(len(p) for p in PARTS) + 2 * 3_200, 20_000]


class ScriptedModel(FakeModel):
    """Gives the next scripted decode on each call."""

    def __init__(self, *decodes: list[SimpleNamespace]) -> None:
        super().__init__()
        self.decodes = list(decodes)
        self.calls = 0

    def transcribe(self, audio: np.ndarray, **options: Any) -> tuple[Any, None]:
        self.calls += 1
        return iter(self.decodes.pop(0)), None


def test_a_short_window_decode_that_loops_is_redone_with_the_whole_window() -> None:
    loop = _segment("I'm sorry " * 12, ratio=3.5)
    model = ScriptedModel([loop], [_segment("I want to cancel")])
    live = WhisperTranscriber(model, AsrConfig(), "cpu", "int8", "fake", window_s=10.0)
    assert live.transcribe(LOUD).text == "I want to cancel"
    assert model.calls == 2
    # The whole window already: no second decode, the loop is cut and marked.
    model = ScriptedModel([loop])
    result = WhisperTranscriber(model, AsrConfig(), "cpu", "int8", "fake").transcribe(LOUD)
    assert model.calls == 1 and result.text == "I'm sorry" and not result.reliable
