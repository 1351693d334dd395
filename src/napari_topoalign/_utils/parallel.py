"""Thread counts, the BLAS limit and one thread-pool helper."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from .validation import check_int

__all__ = ["n_threads", "thread_map", "thread_imap", "map_with_progress", "limit_blas"]

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


def thread_map(
    fn: Callable[[T], R], items: Sequence[T] | Iterable[T], n_jobs: Any = None
) -> list[R]:
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


def thread_imap(
    fn: Callable[[T], R], items: Sequence[T], threads: int, *, window: int | None = None
) -> Iterator[R]:
    """``fn(x)`` for every item, yielded in order, computed by ``threads`` threads (an int,
    already resolved by :func:`n_threads`). At most ``window`` tasks (default
    ``4 * threads``) are submitted ahead of the one being consumed, so finished results of
    unconsumed tasks never pile up. With one thread or one item it runs in the calling
    thread. If the consumer stops (an exception, a :class:`~.progress.Cancelled` raised from
    progress), the pending tasks are cancelled and the running ones awaited."""
    items = list(items)
    threads = max(1, int(threads))
    if threads <= 1 or len(items) <= 1:
        for x in items:
            yield fn(x)
        return
    from concurrent.futures import ThreadPoolExecutor

    window = 4 * threads if window is None else max(1, int(window))
    pool = ThreadPoolExecutor(max_workers=threads)
    try:
        futures = [pool.submit(fn, x) for x in items[:window]]
        nxt = len(futures)
        for i in range(len(items)):
            result = futures[i].result()
            futures[i] = None
            if nxt < len(items):
                futures.append(pool.submit(fn, items[nxt]))
                nxt += 1
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def map_with_progress(
    fn: Callable[[T], R],
    items: Sequence[T],
    threads: int,
    progress: Callable[[float, str], Any] | None = None,
    *,
    span: tuple[float, float] = (0.0, 1.0),
    what: str = "",
    every: int | None = None,
) -> list[R]:
    """:func:`thread_imap` collected into a list, calling ``progress`` about every percent
    (``every`` items) with the fraction mapped onto ``span`` and ``"what: i/total"``.
    Raising from ``progress`` stops the work."""
    items = list(items)
    total = max(len(items), 1)
    every = max(1, total // 100) if every is None else max(1, int(every))
    f0, f1 = span
    out: list[R] = []
    for i, result in enumerate(thread_imap(fn, items, threads)):
        out.append(result)
        if progress is not None and ((i + 1) % every == 0 or i + 1 == len(items)):
            progress(f0 + (f1 - f0) * (i + 1) / total, f"{what}: {i + 1}/{total}")
    return out


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
