"""The frozen app's runtime hooks: telemetry off and the hub offline before any import."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.packaging.conftest import REPO

HOOK = REPO / "packaging" / "hooks" / "rthook_offline.py"
KEYS = ("ORT_DISABLE_TELEMETRY", "HF_HUB_DISABLE_TELEMETRY", "HF_HUB_OFFLINE")


def test_offline_hook_overrides_an_environment_that_turns_telemetry_on() -> None:
    code = (
        f"import os, runpy, sys\nrunpy.run_path({str(HOOK)!r})\n"
        f"print(*(os.environ[k] for k in {KEYS!r}))\n"
        "print('onnxruntime' in sys.modules)\n"
    )
    env = {**os.environ, **{key: "0" for key in KEYS}}
    done = subprocess.run(
        [sys.executable, "-I", "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "1", "1", "False"]


def test_offline_hook_runs_first() -> None:
    spec = (REPO / "packaging" / "agent-assist.spec").read_text(encoding="utf-8")
    hooks = spec.split("runtime_hooks=", 1)[1].split("\n", 1)[0]
    assert hooks.index("rthook_offline.py") < hooks.index("rthook_av.py")
