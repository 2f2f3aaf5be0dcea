"""Memory: freed heap goes back to the OS (glibc), and a call's length does not raise the peak."""

from __future__ import annotations

import ctypes
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from agent_assist.memory import release_free_memory

CHUNK = 64 * 1024  # below glibc's mmap threshold: these come from the heap


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_free_heap_memory_is_returned() -> None:
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    chunks = [libc.malloc(CHUNK) for _ in range(800)]  # 50 MB
    for chunk in chunks:
        ctypes.memset(chunk, 1, CHUNK)
    for chunk in chunks[:-1]:  # the last one pins the heap top: free() cannot shrink it
        libc.free(chunk)
    before = rss_mb()
    assert release_free_memory()
    assert before - rss_mb() > 25
    libc.free(chunks[-1])


ARENAS_PROBE = """
import ctypes, sys, threading
from agent_assist.memory import limit_heap_arenas
if sys.argv[1] == "limit":
    assert limit_heap_arenas(2)
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
held, ready, done = [], threading.Barrier(7), threading.Event()
def work():
    held.append(libc.malloc(4096))
    ready.wait()
    done.wait()
threads = [threading.Thread(target=work) for _ in range(6)]
for t in threads:
    t.start()
ready.wait()
libc.malloc_stats()
done.set()
"""


def heap_arenas(mode: str) -> int:
    """Heaps (glibc arenas) in use once six threads have each allocated."""
    probe = subprocess.run(
        [sys.executable, "-c", ARENAS_PROBE, mode], capture_output=True, text=True, check=True
    )
    return probe.stderr.count("Arena ")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_threads_share_at_most_the_limited_number_of_heaps() -> None:
    assert heap_arenas("free") > 2  # by default the threads spread over more heaps
    assert 1 <= heap_arenas("limit") <= 2


def _long_call_bench():  # noqa: ANN202 - a module loaded from bench/
    path = Path(__file__).resolve().parents[1] / "bench" / "long_call_memory.py"
    spec = importlib.util.spec_from_file_location("long_call_memory", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_a_three_hour_call_is_analysed_in_the_memory_of_a_three_minute_one(
    tmp_path: Path,
) -> None:
    # Stereo 8 kHz FLAC, low noise with a real speech clip every 3 minutes on alternate
    # channels: the same content density in both. Each runs in a fresh process (VmHWM).
    bench = _long_call_bench()
    short, long = tmp_path / "short.flac", tmp_path / "long.flac"
    assert bench.make_call(short, 180.0, 180.0) == 1
    assert bench.make_call(long, 3 * 3600.0, 180.0) == 60
    small, big = bench.measure(short), bench.measure(long)
    assert small["utterances"] == 1 and big["utterances"] == 60, big["texts"]  # nothing lost
    assert all("young man" in text.lower() for text in big["texts"]), big["texts"]
    assert abs(big["peak_mb"] - small["peak_mb"]) <= 100, (small["peak_mb"], big["peak_mb"])
