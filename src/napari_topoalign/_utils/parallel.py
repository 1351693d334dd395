"""Thread counts, the BLAS limit and one thread-pool helper."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from .validation import check_int

__all__ = ["n_threads", "thread_map", "limit_blas"]

T = TypeVar("T")
R = TypeVar("R")


def n_threads(n_jobs: Any = None, *, name: str = "n_jobs") -> int:
    """The number of threads for ``n_jobs``: None -> all cores, ``-1`` -> all cores, a
    positive integer -> that many (at most the cores), ``-k`` -> all cores but ``k - 1``."""
    cores = os.cpu_count() or 1
    if n_jobs is None:
        return cores
    n_jobs = check_int(n_jobs, name, minimum=-cores if cores > 1 else -1)
    if n_jobs == 0:
        raise ValueError(f"{name}: must be a non-zero integer (or None for all cores), got 0")
    if n_jobs < 0:
        return max(1, cores + 1 + n_jobs)
    return min(n_jobs, cores)


def thread_map(fn: Callable[[T], R], items: Sequence[T] | Iterable[T], n_jobs: Any = None) -> list[R]:
    """``[fn(x) for x in items]`` on a thread pool of :func:`n_threads` threads (in order).
    With one thread or one item it runs in the calling thread. The first exception raised by
    ``fn`` (a :class:`~.progress.Cancelled` included) is raised here."""
    items = list(items)
    threads = min(n_threads(n_jobs), len(items))
    if threads <= 1:
        return [fn(x) for x in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(fn, items))


_CONTROLLER = None


def _controller():
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER


@contextlib.contextmanager
def limit_blas(threads: int = 1):
    """Hold the BLAS libraries to ``threads`` threads inside the block (process-wide, through
    one cached threadpoolctl controller: building a controller scans the loaded libraries)."""
    with _controller().limit(limits=int(threads), user_api="blas"):
        yield
