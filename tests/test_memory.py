"""Freed heap memory goes back to the OS (glibc): real allocations, real RSS."""

from __future__ import annotations

import ctypes
import sys

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
