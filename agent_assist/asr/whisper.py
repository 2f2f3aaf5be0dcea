"""faster-whisper transcriber for segmented utterances, offline, with hallucination guards.

The model is loaded once from a local directory (never a hub name). Each ``transcribe`` call
decodes one utterance that the segmenter already cut, so faster-whisper's own VAD is off and
no text is carried over from earlier utterances.

Gates (thresholds from ``AsrConfig``):
* determinism: decoding is beam search (or greedy) at temperature 0 only, never sampling, so
  the same audio always gives the same text (Whisper's temperature fallback samples, and
  CTranslate2's sampler cannot be seeded per call);
* repetition loops: a decode whose compression ratio is above ``compression_ratio_threshold``
  is redone with the whole 30 s window if it was shown less (the live path), then cut back
  to the loop's first occurrence and the text marked unreliable;
* silence: no-speech probability above ``no_speech_threshold`` while the average log
  probability is below ``log_prob_threshold`` (Whisper's rule, applied here rather than inside
  faster-whisper so the scores stay visible) or while the text is a loop -> text dropped;
* the decoding budget grows with the audio length, so a loop cannot run to 448 tokens;
* known silence hallucinations ("you", "thank you.", "thanks for watching", ...) with a raised
  no-speech probability or on near-silent audio -> dropped;
* low log probability or a low mean word probability -> the text is kept, marked unreliable.

Packed decoding (``transcribe_many``) checks that the window's result maps back onto its
utterances; when it does not (a loop, a segment without word times, words outside the
window, an utterance left without words that it has on its own) the group is decoded one
utterance at a time instead, so no speech is dropped or given another utterance's time.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel  # HF_HUB_OFFLINE=1 is forced by agent_assist/__init__

from agent_assist import modelstore
from agent_assist.asr.segments import (
    TEMPERATURE,
    Segment,
    clip,
    from_whisper,
    has_words,
    mean_logprob,
    normalise,
    unloop,
    unmappable,
)
from agent_assist.asr.window import PACK_GAP, pack, windowed
from agent_assist.config import AsrConfig
from agent_assist.contracts import SAMPLE_RATE, Transcription
from agent_assist.errors import ModelError

log = logging.getLogger(__name__)

PROFILE_MODELS = {"fast": "whisper-tiny.en", "accurate": "whisper-base"}
CHECK_WINDOW_S = 5.0
"""Encoder window for the check that an utterance a pack left empty says nothing."""
TOKENS_PER_SECOND = 10
"""Decoding budget per second of audio: fast speech needs about 6; loops stop early."""
DECODERS = 2
"""CTranslate2 replicas of the model: live, caption drafts decode on one while finals decode on
the other (``captions.CaptionThread``); each uses ``asr.cpu_threads`` threads."""
LOW_CONFIDENCE = 0.5
"""Mean word probability below which a transcript is marked unreliable."""
HALLUCINATION_NO_SPEECH = 0.2
"""A known silence phrase is dropped when the no-speech probability is above this..."""
HALLUCINATION_QUIET_DBFS = -45.0
"""...or when the loudest 100 ms of the audio under the phrase is quieter than this."""
SILENCE_HALLUCINATIONS = frozenset(
    {
        "you",
        "thank you",
        "thank you so much",
        "thank you very much",
        "thanks",
        "thanks for watching",
        "thank you for watching",
        "thanks for watching and see you next time",
        "please subscribe",
        "subscribe",
        "bye",
        "bye bye",
        "so",
        "the end",
        "music",
        "applause",
        "silence",
        "oh",
        "hmm",
    }
)


class WindowedWhisper(WhisperModel):
    """A faster-whisper model whose encoder can be shown less than the 30 s window.

    faster-whisper pads every window to 30 s of features, so the encoder costs as much for a
    2 s utterance as for 30 s (0.43 s against 0.08 s for 10 s with tiny.en on this CPU).
    Inside ``window(seconds)`` the padded features are cut to ``seconds`` before encoding
    (CTranslate2 takes any length); everything else is faster-whisper's own decoding. Shown
    much less than 30 s Whisper loops on short clips and loses WER (models/README.md), so only
    the live path uses it (``WhisperTranscriber.for_live``, ``asr.live_window_s``).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._frames = threading.local()

    @contextmanager
    def window(self, seconds: float) -> Iterator[None]:
        """Encode at most ``seconds`` of each window (30 or more: the whole window)."""
        self._frames.limit = 2 * math.ceil(min(seconds, 30.0) * 50)
        try:
            yield
        finally:
            self._frames.limit = None

    def encode(self, features: np.ndarray) -> ctranslate2.StorageView:
        limit = getattr(self._frames, "limit", None)
        if limit is not None and features.shape[-1] > limit:
            features = features[..., :limit]
        return super().encode(features)


def select_device(requested: str) -> tuple[str, str, str]:
    """(device, compute_type, message) for ``auto``/``cpu``/``cuda``, falling back to CPU."""
    if requested == "cpu":
        return "cpu", "int8", "CPU (int8)"
    try:
        gpus = ctranslate2.get_cuda_device_count()
    except Exception as error:  # a broken CUDA install must not stop the app
        log.debug("CUDA probe failed: %s", error)
        gpus = 0
    if gpus > 0:
        return "cuda", "float16", f"CUDA GPU (float16, {gpus} device(s))"
    if requested == "cuda":
        return "cpu", "int8", "CUDA requested but no CUDA GPU is usable; falling back to CPU (int8)"
    return "cpu", "int8", "no CUDA GPU found; using CPU (int8)"


def model_dir(config: AsrConfig) -> Path:
    """The local CTranslate2 directory for the configured profile."""
    if config.profile == "custom":
        folder = _custom_dir(config.model_path)
        files = ["model.bin", "config.json", "tokenizer.json"]
        files += sorted(path.name for path in folder.glob("vocabulary.*"))
        modelstore.verify_custom(folder, files, config.model_sha256, "asr.model_path")
        return folder
    return modelstore.locate(modelstore.find_spec(PROFILE_MODELS[config.profile]))


def _custom_dir(model_path: str) -> Path:
    if not model_path.strip():
        raise ModelError("asr.model_path: empty; set it to a local CTranslate2 Whisper directory")
    folder = Path(model_path).expanduser()
    if not folder.is_dir():
        raise ModelError(f"{folder}: custom Whisper model directory not found")
    for required in ("model.bin", "config.json", "tokenizer.json"):
        if not (folder / required).is_file():
            raise ModelError(f"{folder}: not a CTranslate2 Whisper model ({required} is missing)")
    return folder


class WhisperTranscriber:
    """Satisfies ``agent_assist.contracts.Transcriber``."""

    def __init__(
        self,
        model: WhisperModel,
        config: AsrConfig,
        device: str,
        compute_type: str,
        name: str,
        device_message: str = "",
        window_s: float = 30.0,
    ) -> None:
        self._model = model
        self._config = config
        self._window_s = window_s
        self.device = device
        self.compute_type = compute_type
        self.model_name = name
        self.device_message = device_message or f"{device} ({compute_type})"
        """How the device was chosen, for status lines (mentions a CPU fallback)."""
        self._language = config.language if model.model.is_multilingual else "en"

    @property
    def model(self) -> WhisperModel:
        """The loaded faster-whisper model (shared with the draft decoder for captions)."""
        return self._model

    @property
    def language(self) -> str:
        return self._language

    @property
    def config(self) -> AsrConfig:
        return self._config

    def for_live(self) -> WhisperTranscriber:
        """The same model decoding for the live path: ``asr.live_beam_size`` and the short
        encoder window (``asr.live_window_s``)."""
        config = self._config.model_copy(update={"beam_size": self._config.live_beam_size})
        return WhisperTranscriber(
            self._model,
            config,
            self.device,
            self.compute_type,
            self.model_name,
            self.device_message,
            window_s=self._config.live_window_s,
        )

    @classmethod
    def load(cls, config: AsrConfig) -> WhisperTranscriber:
        folder = model_dir(config)
        device, compute_type, message = select_device(config.device)
        log.info("ASR device: %s", message)
        try:
            model = _open(folder, device, compute_type, config.cpu_threads)
        except RuntimeError as error:
            if device == "cpu":
                raise ModelError(
                    f"{folder / 'model.bin'}: cannot load Whisper model ({_one_line(error)})"
                ) from None
            message = (
                f"CUDA failed to load the model ({_one_line(error)}); falling back to CPU (int8)"
            )
            log.warning("%s", message)
            device, compute_type = "cpu", "int8"
            model = _open(folder, device, compute_type, config.cpu_threads)
        name = PROFILE_MODELS.get(config.profile, folder.name)
        return cls(model, config, device, compute_type, name, message)

    def transcribe(self, audio: np.ndarray) -> Transcription:
        samples = _mono(audio)
        if len(samples) == 0:
            return _empty(no_speech_prob=1.0)
        segments = self._decode(samples)
        everywhere, duration = (-math.inf, math.inf), len(samples) / SAMPLE_RATE
        kept = [
            clip(s, everywhere, 0.0, duration) for s in segments if not self._is_silence(s, samples)
        ]
        return self._summarise([s for s in kept if s is not None], segments)

    def transcribe_many(self, utterances: Sequence[np.ndarray]) -> list[Transcription]:
        """Transcribe several utterances of one speaker, in order, packed into 30 s windows.

        Whisper encodes a full 30 s window whatever the input length, so consecutive short
        utterances joined into one window cost one encoder pass instead of one each, and the
        model hears more context. Words are given back to the utterance their middle falls in.
        A window whose result does not map back is decoded utterance by utterance instead.
        """
        parts = [_mono(u) for u in utterances]
        results: list[Transcription] = []
        for group in pack([len(p) for p in parts]):
            chunk = [parts[i] for i in group]
            packed = self._transcribe_group(chunk) if len(chunk) > 1 else None
            results.extend(packed if packed is not None else [self.transcribe(p) for p in chunk])
        return results

    def _transcribe_group(self, parts: list[np.ndarray]) -> list[Transcription] | None:
        """The parts' results from one packed decode; None when it does not map back."""
        gap = np.zeros(PACK_GAP, dtype=np.float32)
        joined = np.concatenate([x for p in parts for x in (p, gap)][:-1])
        segments = self._decode(joined)
        problem = unmappable(segments, len(joined) / SAMPLE_RATE, self._config)
        if problem:
            log.debug("packed decode of %d utterances failed (%s)", len(parts), problem)
            return None
        kept = [s for s in segments if not self._is_silence(s, joined)]
        results, offset, half_gap = [], 0, PACK_GAP / 2 / SAMPLE_RATE
        for index, part in enumerate(parts):
            begin, end = offset / SAMPLE_RATE, (offset + len(part)) / SAMPLE_RATE
            # Each utterance owns its audio and half of the gaps around it.
            owns = (
                begin - half_gap if index else -math.inf,
                end + half_gap if index < len(parts) - 1 else math.inf,
            )
            seen = [s for s in segments if s.start < owns[1] and s.end > owns[0]]
            mine = [c for c in (clip(s, owns, begin, end) for s in kept) if c is not None]
            results.append(self._summarise(mine, seen))
            offset += len(part) + PACK_GAP
        if len(results) != len(parts) or self._lost_speech(parts, results):
            log.debug("packed decode of %d utterances lost speech", len(parts))
            return None
        return results

    def _lost_speech(self, parts: list[np.ndarray], results: list[Transcription]) -> bool:
        """Whether an utterance the pack left without words has words on its own (more than
        fillers: packed Whisper leaves out a lone "um", which is no loss)."""
        return any(not r.words and self._says_words(p) for p, r in zip(parts, results, strict=True))

    def _says_words(self, samples: np.ndarray) -> bool:
        """Whether ``samples`` alone decode to more than fillers: a quick greedy look through a
        short encoder window (a false yes only costs the per-utterance decode)."""
        with windowed(self._model, len(samples) / SAMPLE_RATE, CHECK_WINDOW_S):
            segments = self._decode_window(samples, beam=1)
        kept = [s for s in segments if not self._is_silence(s, samples)]
        return has_words(w for s in kept for w in s.words)

    def _decode(self, samples: np.ndarray) -> list[Segment]:
        with windowed(self._model, len(samples) / SAMPLE_RATE, self._window_s):
            segments = self._decode_window(samples)
        if self._window_s < 30.0 and any(self._loops(s) for s in segments):
            segments = self._decode_window(samples)  # short windows loop; the full one rarely
        return segments

    def _loops(self, segment: Segment) -> bool:
        return segment.compression_ratio > self._config.compression_ratio_threshold

    def _decode_window(self, samples: np.ndarray, beam: int = 0) -> list[Segment]:
        raw, _info = self._model.transcribe(
            samples,
            language=self._language,
            beam_size=beam or self._config.beam,
            temperature=TEMPERATURE,
            word_timestamps=True,
            condition_on_previous_text=False,
            vad_filter=False,
            no_speech_threshold=None,
            log_prob_threshold=None,
            compression_ratio_threshold=self._config.compression_ratio_threshold,
            max_new_tokens=_token_budget(len(samples) / SAMPLE_RATE),
        )
        threshold = self._config.compression_ratio_threshold
        return [unloop(from_whisper(s), threshold) for s in raw]  # the generator decodes here

    def _summarise(self, kept: list[Segment], seen: list[Segment]) -> Transcription:
        """One utterance's result from the segments kept after the silence gates."""
        config = self._config
        no_speech = max((s.no_speech_prob for s in seen), default=1.0)
        if not kept:
            ratio = max((s.compression_ratio for s in seen), default=0.0)
            return _empty(no_speech, mean_logprob(seen) if seen else 0.0, ratio)
        words = tuple(w for s in kept for w in s.words)
        confidence = float(np.mean([w.probability for w in words])) if words else 0.0
        avg_logprob = mean_logprob(kept)
        ratio = max(s.compression_ratio for s in kept)
        reliable = (
            avg_logprob >= config.log_prob_threshold
            and ratio <= config.compression_ratio_threshold
            and confidence >= LOW_CONFIDENCE
            and max(s.no_speech_prob for s in kept) <= config.no_speech_threshold
        )
        text = " ".join(s.text for s in kept if s.text)
        return Transcription(text, words, confidence, no_speech, avg_logprob, ratio, reliable)

    def _is_silence(self, segment: Segment, audio: np.ndarray) -> bool:
        config = self._config
        if not normalise(segment.text):
            return True  # only punctuation: Whisper's ". . ." on silence
        if segment.no_speech_prob > config.no_speech_threshold and (
            segment.avg_logprob < config.log_prob_threshold
            or segment.compression_ratio > config.compression_ratio_threshold
        ):
            return True  # Whisper's no-speech rule, and loops on what it calls no speech
        if normalise(segment.text) in SILENCE_HALLUCINATIONS:
            return (
                segment.no_speech_prob > HALLUCINATION_NO_SPEECH
                or _peak_dbfs(_span(audio, segment.start, segment.end)) < HALLUCINATION_QUIET_DBFS
            )
        return False


def _open(folder: Path, device: str, compute_type: str, threads: int) -> WindowedWhisper:
    return WindowedWhisper(
        str(folder),
        device=device,
        compute_type=compute_type,
        cpu_threads=threads,
        num_workers=DECODERS,
        local_files_only=True,
    )


def _token_budget(seconds: float) -> int:
    return min(int(TOKENS_PER_SECOND * min(seconds, 30.0)) + 32, 400)


def _mono(audio: np.ndarray) -> np.ndarray:
    samples = np.ascontiguousarray(audio, dtype=np.float32)
    if samples.ndim != 1:
        raise ValueError(f"expected 1-D 16 kHz mono audio, got shape {samples.shape}")
    return samples


def _span(audio: np.ndarray, start: float, end: float) -> np.ndarray:
    piece = audio[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]
    return piece if len(piece) else audio


def _empty(
    no_speech_prob: float, avg_logprob: float = 0.0, compression_ratio: float = 0.0
) -> Transcription:
    return Transcription("", (), 0.0, no_speech_prob, avg_logprob, compression_ratio, True)


def _peak_dbfs(samples: np.ndarray) -> float:
    """Loudness of the loudest 100 ms window, in dB relative to full scale."""
    window = SAMPLE_RATE // 10
    usable = len(samples) // window * window
    if usable == 0:
        energy = float(np.mean(np.square(samples, dtype=np.float64)))
    else:
        frames = samples[:usable].reshape(-1, window).astype(np.float64)
        energy = float(np.max(np.mean(np.square(frames), axis=1)))
    return 10.0 * float(np.log10(max(energy, 1e-12)))


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:200] or type(error).__name__
