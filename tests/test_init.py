"""What importing agent_assist sets up before anything else: one BLAS thread for numpy."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

THREADS = """
import os
import agent_assist
import numpy
a = numpy.ones((400, 400))
for _ in range(5):
    a @ a
print(os.environ.get("OPENBLAS_NUM_THREADS"), len(os.listdir("/proc/self/task")))
"""


def threads(env: dict[str, str]) -> tuple[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", THREADS], env=env, capture_output=True, text=True, check=True
    )
    setting, count = done.stdout.split()
    return setting, int(count)


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
def test_numpy_gets_one_blas_thread_unless_the_environment_asks_for_more() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    setting, ours = threads(env)
    asked, theirs = threads({**env, "OPENBLAS_NUM_THREADS": "4"})
    assert setting == "1" and asked == "4"
    assert ours < theirs  # OpenBLAS started its worker threads only when asked to
