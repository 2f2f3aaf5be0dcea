"""Write tests/speakers/data/reference_jfk.npz: Resemblyzer's own mels and embeddings of jfk.flac.

.venv-train/bin/python training/speaker_fixture.py

``tests/data/jfk.flac`` (11 s, public-domain speech) is read with soundfile as float32, with no
preprocessing. Saved: ``head`` = the reference front end's (``resemblyzer.audio.
wav_to_mel_spectrogram``, librosa) first 320 mel frames, ``tail`` = its last 40, ``frames`` =
its frame count, and ``embeddings`` = Resemblyzer's ``VoiceEncoder`` (torch) on the windows
``head[0:160]`` and ``head[160:320]``. ``tests/speakers/test_features.py`` and
``test_encoder.py`` compare the numpy front end and the ONNX model with them.
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
