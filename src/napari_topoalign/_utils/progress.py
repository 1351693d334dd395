"""The progress protocol shared by every long computation.

A progress callback is ``progress(fraction, message)``: ``fraction`` in [0, 1], ``message`` a
short text. It may raise :class:`Cancelled` to stop the computation; every stage lets that
exception through unchanged and leaves its inputs (and the session) as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["ProgressFn", "Cancelled", "check_progress", "sub_progress", "report"]

ProgressFn = Callable[[float, str], Any]


class Cancelled(Exception):
    """Raised from a progress callback to stop a long computation."""


def _noop(fraction: float, message: str) -> None:
    return None


def check_progress(progress: Any, name: str = "progress") -> ProgressFn:
    """``progress`` if it is callable, a no-op for None; a clear error otherwise."""
    if progress is None:
        return _noop
    if not callable(progress):
        raise TypeError(
            f"{name}: expected a callable progress(fraction, message) or None, "
            f"got {type(progress).__name__}"
        )
    return progress


def sub_progress(
    progress: ProgressFn | None, start: float, stop: float, prefix: str = ""
) -> ProgressFn | None:
    """A callback for a stage that runs inside a stage: it maps the inner stage's [0, 1] onto
    ``[start, stop]`` of ``progress`` and prefixes its messages with ``prefix`` (``"a: msg"``).
    Returns None when ``progress`` is None, so inner stages keep their fast path."""
    if progress is None:
        return None
    span = float(stop) - float(start)

    def inner(fraction: float, message: str = ""):
        text = f"{prefix}: {message}" if prefix and message else (prefix or message)
        return progress(float(start) + span * min(max(float(fraction), 0.0), 1.0), text)

    return inner


def report(progress: ProgressFn | None, fraction: float, message: str = "") -> None:
    """Call ``progress`` if there is one (a shorthand that keeps call sites short)."""
    if progress is not None:
        progress(fraction, message)
