"""Environment checks for ``agent-assist doctor``: what is missing, in plain words."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass

from agent_assist import modelstore, paths
from agent_assist.config import Config
from agent_assist.errors import AgentAssistError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True


def check_models() -> list[Check]:
    try:
        specs = modelstore.load_manifest()
    except AgentAssistError as error:
        return [Check("model manifest", False, str(error))]
    checks = []
    for spec in specs:
        report = modelstore.check(spec)
        detail = f"{report.location} ({report.size / 1e6:.0f} MB)" if report.ok else report.problem
        checks.append(Check(f"model {spec.name}", report.ok, detail))
    return checks


def check_playbook(config: Config) -> Check:
    from agent_assist.guidance.playbook import load_playbook
    from agent_assist.pipeline import playbook_path

    path = playbook_path(config)
    try:
        load_playbook(path)
    except AgentAssistError as error:
        return Check("playbook", False, str(error))
    return Check("playbook", True, str(path))


def check_audio() -> list[Check]:
    try:
        import sounddevice as sd
    except OSError:
        return [Check("PortAudio", False, "PortAudio library missing: live capture is unavailable "
                      "(install libportaudio2); file analysis still works", required=False)]
    inputs = [d for d in sd.query_devices() if d["max_input_channels"] > 0]
    checks = [Check("PortAudio", True, sd.get_portaudio_version()[1])]
    if inputs:
        names = ", ".join(d["name"] for d in inputs[:6])
        checks.append(Check("audio inputs", True, f"{len(inputs)} found: {names}"))
    else:
        checks.append(Check("audio inputs", False, "no input device found: live capture cannot "
                            "start; file analysis still works", required=False))
    return checks


def check_compute() -> list[Check]:
    import ctranslate2
    import onnxruntime

    cuda = ctranslate2.get_cuda_device_count()
    providers = onnxruntime.get_available_providers()
    cpu = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    gpu = (f"{cuda} CUDA device(s) for speech; ONNX Runtime providers: {', '.join(providers)}"
           if cuda else "no CUDA device: speech and sentiment run on the CPU (int8)")
    return [Check("CPU", True, cpu), Check("GPU", True, gpu, required=False)]


def check_offline() -> Check:
    offline = os.environ.get("HF_HUB_OFFLINE") == "1"
    return Check("offline mode", True, "HF_HUB_OFFLINE=1" if offline else
                 "models load from local folders only (no hub access is attempted)")


def run_checks(config: Config) -> list[Check]:
    checks = [Check("config", True, str(paths.user_config_file()))]
    checks += check_models()
    checks.append(check_playbook(config))
    checks += check_audio()
    checks += check_compute()
    checks.append(check_offline())
    return checks
