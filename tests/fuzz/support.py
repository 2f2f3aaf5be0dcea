"""Shared pieces of the fuzz tests: the one-line error contract and a hang guard."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings

from agent_assist.errors import AgentAssistError
from tests.conftest import examples

T = TypeVar("T")
HANG_S = 20.0
"""One input taking this long counts as a hang (a loaded 2-core machine needs the slack)."""

FUZZ = settings(
    max_examples=examples(150),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=False,
)


class Hang(Exception):
    pass


@contextmanager
def no_hang(seconds: float = HANG_S) -> Iterator[None]:
    """Fail an input that runs longer than ``seconds`` (checked between Python bytecodes)."""

    def expired(signum: int, frame: Any) -> None:
        raise Hang(f"no result or error after {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def result_or_clean_error(
    call: Callable[[], T], error: type[AgentAssistError], names: str | Path | None = None
) -> T | AgentAssistError:
    """Run ``call``: its result, or the project's error with one non-empty line (naming
    ``names`` when given). Any other exception, or a hang, fails the test."""
    try:
        with no_hang():
            return call()
    except error as raised:
        message = str(raised)
        assert message.strip(), f"empty {type(raised).__name__} message"
        assert "\n" not in message and "\r" not in message, f"multi-line error: {message!r}"
        if names is not None:
            assert str(names) in message, f"error does not name {names}: {message!r}"
        return raised
