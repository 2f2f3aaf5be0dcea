"""Export Resemblyzer's GE2E speaker encoder to ONNX (models/speaker-ge2e/model.onnx).

.venv-train/bin/python training/export_speaker.py            # export + check against torch
.venv-train/bin/python training/export_speaker.py --check-only

Source: PyPI ``resemblyzer==0.1.4`` (Apache-2.0), ``resemblyzer/pretrained.pt``: a 3-layer LSTM
(40 → 256) + linear (256 → 256) + ReLU + L2 norm, trained with the GE2E loss. The package is
found, not imported (its ``__init__`` pulls in librosa and webrtcvad; only the check needs them).
Input: (batch, frames, 40) mel power frames of 16 kHz audio (25 ms window, 10 ms hop; see
``agent_assist.speakers.features``); output: (batch, 256) L2-normalised embeddings. Batch and
time are dynamic.

The check runs torch and onnxruntime on 1.6 s windows (and a few shorter ones) of the real
recordings of ``bench/fetch_data.py``, with mels from Resemblyzer's own front end, and fails
above ``--tolerance``.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

import agent_assist  # noqa: E402, F401  (forces the telemetry switches before onnxruntime)
from agent_assist.modelstore import file_sha256  # noqa: E402
from training.data import log  # noqa: E402

OPSET = 17
N_MELS = 40
HIDDEN = 256
LAYERS = 3
WINDOW_FRAMES = 160
TARGET = ROOT / "models" / "speaker-ge2e" / "model.onnx"
SPEECH = ROOT / "data-cache" / "speech"


class GE2EEncoder(nn.Module):
    """Resemblyzer's ``VoiceEncoder`` network without its audio helpers."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(N_MELS, HIDDEN, LAYERS, batch_first=True)
        self.linear = nn.Linear(HIDDEN, HIDDEN)
        self.relu = nn.ReLU()

    def forward(self, mels: torch.Tensor) -> torch.Tensor:
        _, (hidden, _) = self.lstm(mels)
        raw = self.relu(self.linear(hidden[-1]))
        return raw / torch.norm(raw, dim=1, keepdim=True)


def pretrained_path() -> Path:
    found = importlib.util.find_spec("resemblyzer")
    if found is None or not found.submodule_search_locations:
        raise SystemExit("resemblyzer is not installed: .venv-train/bin/pip install -e '.[train]'")
    return Path(next(iter(found.submodule_search_locations))) / "pretrained.pt"


def load_encoder() -> GE2EEncoder:
    path = pretrained_path()
    state = torch.load(path, map_location="cpu", weights_only=False)["model_state"]
    # The two GE2E similarity scalars only matter for the training loss.
    weights = {k: v for k, v in state.items() if not k.startswith("similarity_")}
    net = GE2EEncoder()
    net.load_state_dict(weights, strict=True)
    net.eval()
    log(f"loaded {path} ({path.stat().st_size / 1e6:.1f} MB, {len(weights)} tensors)")
    return net


def export(net: GE2EEncoder, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    example = torch.randn(2, WINDOW_FRAMES, N_MELS)
    torch.onnx.export(
        net,
        (example,),
        str(target),
        input_names=["mels"],
        output_names=["embeddings"],
        dynamic_axes={"mels": {0: "batch", 1: "frames"}, "embeddings": {0: "batch"}},
        opset_version=OPSET,
        dynamo=False,
    )
    import onnx

    onnx.checker.check_model(onnx.load(str(target)))
    log(f"wrote {target} ({target.stat().st_size / 1e6:.2f} MB, opset {OPSET})")


def speech_files() -> list[Path]:
    files = [SPEECH / "jfk" / "jfk.wav"]
    files += sorted((SPEECH / "pocketsphinx" / "librivox").glob("*.wav"))
    files += sorted((SPEECH / "pocketsphinx" / "cards").glob("*.wav"))
    wav = SPEECH / "mfa" / "wav"
    files += [wav / "acoustic_corpus.wav", wav / "cold_corpus.wav"]
    files += sorted(wav.glob("se10x016-*.wav")) + [wav / "61-70968-0000.flac"]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise SystemExit(f"speech data missing ({missing[0]}): run bench/fetch_data.py first")
    return files


def reference_windows() -> list[np.ndarray]:
    """Batches of mel windows from Resemblyzer's reference front end on real speech."""
    import soundfile as sf
    from resemblyzer.audio import preprocess_wav, wav_to_mel_spectrogram

    full: list[np.ndarray] = []
    short: list[np.ndarray] = []
    for path in speech_files():
        audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
        mel = wav_to_mel_spectrogram(preprocess_wav(audio[:, 0], source_sr=rate))
        for start in range(0, len(mel) - WINDOW_FRAMES + 1, WINDOW_FRAMES // 2):
            full.append(mel[start : start + WINDOW_FRAMES])
        short.append(mel[: min(len(mel), 70)])
    batches = [np.stack(full[i : i + 32]) for i in range(0, len(full), 32)]
    return batches + [s[None] for s in short]


def check(net: GE2EEncoder, target: Path, tolerance: float) -> float:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(target), options, providers=["CPUExecutionProvider"])
    worst, windows = 0.0, 0
    for batch in reference_windows():
        with torch.no_grad():
            expected = net(torch.from_numpy(batch)).numpy()
        got = session.run(["embeddings"], {"mels": batch})[0]
        worst = max(worst, float(np.abs(got - expected).max()))
        windows += len(batch)
    log(f"ONNX vs torch on {windows} real-speech windows: max abs diff {worst:.2e}")
    if worst > tolerance:
        raise SystemExit(f"ONNX differs from torch by {worst:.2e} (> {tolerance:.0e})")
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=TARGET)
    parser.add_argument("--check-only", action="store_true")
    parser.add_argument("--tolerance", type=float, default=1e-5)
    args = parser.parse_args()
    torch.manual_seed(0)
    net = load_encoder()
    if not args.check_only:
        export(net, args.out)
    check(net, args.out, args.tolerance)
    log(f"sha256 {file_sha256(args.out)}  {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
