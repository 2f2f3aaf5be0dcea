"""Write the speaker encoders' reference outputs on jfk.flac for the tests (no torch in CI).

.venv-train/bin/python training/speaker_fixture.py

``tests/data/jfk.flac`` (11 s, public-domain speech) is read with soundfile as float32, with no
preprocessing. Saved: ``head`` = the reference front end's (``resemblyzer.audio.
wav_to_mel_spectrogram``, librosa) first 320 mel frames, ``tail`` = its last 40, ``frames`` =
its frame count, and ``embeddings`` = Resemblyzer's ``VoiceEncoder`` (torch) on the windows
``head[0:160]`` and ``head[160:320]``. ``tests/speakers/test_features.py`` and
``test_encoder.py`` compare the numpy front end and the ONNX model with them.

``reference_campplus_jfk.npz``, the same for CAM++: kaldi-native-fbank's 80-band log filterbank
frames (``head``: the first 320, ``tail``: the last 40, ``frames``: the count) and the torch
network's embeddings (L2-normalised) of ``head[0:158]`` and ``head[158:316]``, each less its
mean frame; ``tests/speakers/test_fbank.py`` and ``test_campplus.py`` compare with them.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
import torch  # noqa: E402

from training.data import log  # noqa: E402

SOURCE = ROOT / "tests" / "data" / "jfk.flac"
TARGET = ROOT / "tests" / "speakers" / "data" / "reference_jfk.npz"
CAMPPLUS_TARGET = ROOT / "tests" / "speakers" / "data" / "reference_campplus_jfk.npz"


def main() -> int:
    from resemblyzer import VoiceEncoder
    from resemblyzer.audio import wav_to_mel_spectrogram

    audio, rate = sf.read(str(SOURCE), dtype="float32")
    assert rate == 16000 and audio.ndim == 1, (rate, audio.shape)
    mels = wav_to_mel_spectrogram(audio)
    head, tail = mels[:320], mels[-40:]
    encoder = VoiceEncoder(device="cpu", verbose=False)
    with torch.no_grad():
        windows = torch.from_numpy(np.stack([head[:160], head[160:320]]))
        embeddings = encoder(windows).numpy()
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        TARGET, head=head, tail=tail, frames=np.array(len(mels)), embeddings=embeddings
    )
    log(f"wrote {TARGET} ({TARGET.stat().st_size / 1e3:.0f} kB) from {SOURCE}: {len(mels)} frames")
    campplus(audio)
    return 0


def campplus(audio: np.ndarray) -> None:
    from training import export_campplus

    frames = export_campplus.kaldi_fbank(audio)
    head, tail = frames[:320], frames[-40:]
    net = export_campplus.load_encoder(export_campplus.fetch())
    windows = np.stack([head[:158], head[158:316]])
    with torch.no_grad():
        raw = net(torch.from_numpy(windows - windows.mean(axis=1, keepdims=True))).numpy()
    embeddings = raw / np.linalg.norm(raw, axis=1, keepdims=True)
    np.savez_compressed(
        CAMPPLUS_TARGET, head=head, tail=tail, frames=np.array(len(frames)), embeddings=embeddings
    )
    size = CAMPPLUS_TARGET.stat().st_size / 1e3
    log(f"wrote {CAMPPLUS_TARGET} ({size:.0f} kB): {len(frames)} frames")


if __name__ == "__main__":
    raise SystemExit(main())
