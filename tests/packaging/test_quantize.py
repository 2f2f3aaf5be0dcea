"""packaging/quantize.py: the CTranslate2 model file round trip and int8 weights."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest

from agent_assist import modelstore
from agent_assist.asr.metrics import word_errors
from agent_assist.audio.files import load_call
from agent_assist.contracts import SAMPLE_RATE
from agent_assist.paths import sample_call
from tests.packaging.test_build_tools import load

quantize = load("quantize")
AGENT_FIRST_LINE = (
    "Thank you for calling Northwind Internet, my name is Sam. How can I help you today?"
)


def test_rows_are_scaled_to_127():
    weight = np.array([[0.5, -1.0, 0.25], [0.0, 0.0, 0.0], [2.0, 1.0, -0.5]], dtype=np.float16)
    quantized, scale = quantize.quantize_rows(weight)
    assert quantized.dtype == np.int8 and scale.dtype == np.float32
    assert quantized[0].tolist() == [64, -127, 32] and quantized[1].tolist() == [0, 0, 0]
    assert quantized[2].tolist() == [127, 64, -32]
    restored = quantized / scale[:, None]
    assert np.allclose(restored, weight.astype(np.float32), atol=0.01)


def test_conv_kernels_use_one_scale_per_output_channel():
    weight = np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 5
    quantized, scale = quantize.quantize_rows(weight)
    assert quantized.shape == (2, 3, 4) and scale.shape == (2,)
    assert np.abs(quantized[1]).max() == 127


def test_to_int8_keeps_scalars_and_aliases_the_scales():
    model = quantize.Model(
        "WhisperSpec",
        3,
        [
            quantize.Variable("decoder/activation", np.array(1, dtype=np.int8)),
            quantize.Variable("decoder/embeddings/weight", np.ones((4, 2), dtype=np.float16)),
            quantize.Variable("decoder/layer_0/ffn/linear_0/bias", np.ones(2, dtype=np.float32)),
            quantize.Variable("encoder/layer_norm/gamma", np.ones(2, dtype=np.float16)),
        ],
        [("decoder/projection/weight", "decoder/embeddings/weight")],
    )
    result = quantize.to_int8(model)
    by_name = {v.name: v.value for v in result.variables}
    assert by_name["decoder/activation"].ndim == 0
    assert by_name["decoder/embeddings/weight"].dtype == np.int8
    assert by_name["decoder/embeddings/weight_scale"].dtype == np.float32
    assert by_name["decoder/layer_0/ffn/linear_0/bias"].dtype == np.float16
    assert by_name["encoder/layer_norm/gamma"].dtype == np.float16
    assert ("decoder/projection/weight_scale", "decoder/embeddings/weight_scale") in result.aliases


def real_model_dir():
    return modelstore.locate(modelstore.find_spec("whisper-tiny.en"))


@pytest.mark.slow
def test_reading_and_writing_the_real_model_is_byte_identical(tmp_path):
    source = real_model_dir() / "model.bin"
    copy = tmp_path / "model.bin"
    quantize.write_model(quantize.read_model(source), copy)
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == modelstore.sha256_of(source)


@pytest.mark.slow
def test_int8_file_is_half_the_size_and_transcribes(tmp_path):
    from faster_whisper import WhisperModel

    source = real_model_dir()
    target = tmp_path / "tiny-int8"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("model.bin"))
    quantize.quantize_file(source / "model.bin", target / "model.bin")
    ratio = (target / "model.bin").stat().st_size / (source / "model.bin").stat().st_size
    assert 0.45 < ratio < 0.6
    agent = load_call(sample_call())["agent"][: 7 * SAMPLE_RATE]
    model = WhisperModel(str(target), device="cpu", compute_type="int8", cpu_threads=2)
    segments, _ = model.transcribe(agent, language="en", beam_size=1, vad_filter=False)
    text = " ".join(s.text for s in segments)
    errors, words = word_errors(AGENT_FIRST_LINE, text)
    assert errors / words <= 0.2, text
