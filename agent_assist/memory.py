"""Handing freed heap memory back to the operating system.

Whisper decodes of varying lengths leave glibc's heap fragmented: the memory is free inside
the process but stays in its RSS (measured: 246 MB against 197 MB after 150 live decodes).
``malloc_trim`` returns it (about 3 ms; the live worker calls it after each utterance).
Elsewhere (macOS, Windows, musl) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
from functools import cache
from typing import Any

log = logging.getLogger(__name__)


@cache
def _libc() -> Any | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release_free_memory() -> bool:
    """Return free heap pages to the OS; True if that was possible here."""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
