"""Worker processes for the bulk span finder (:mod:`anonymizers.fast_spans`).

A batch of at least ``MIN_PARALLEL`` distinct texts is cut into equal chunks (a multiple of
the worker count, at least ``MIN_CHUNK`` texts each) that a process pool scans in parallel;
smaller batches run in the calling process, so they never pay for worker start-up. The pool
is created on first use with the ``spawn`` start method (safe from any thread, e.g. a
uvicorn worker's thread pool) and kept for later calls. Where child processes are impossible
(a daemonic process) or the pool breaks (a worker died, or a main script without an
``if __name__ == "__main__"`` guard), the batch runs in-process and so does every later one:
results never depend on the pool.

:func:`start` hands any module-level function's tasks to the same pool and returns at once
(whole free-text columns are masked this way, in row chunks from :func:`row_chunks`, while
the caller masks other columns: :mod:`anonymizers.bulk_text`); :func:`prestart` starts the
workers early. ``PAZHOU_SPAN_WORKERS`` overrides the default worker count (the CPUs this
process may use).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Generic, TypeVar

from anonymizers.fast_spans import warm_up

T = TypeVar("T")
R = TypeVar("R")
Worker = Callable[[Sequence[str], Sequence[str] | None, float], list[list[T]]]

MIN_PARALLEL = 40_000
MIN_CHUNK = 20_000
_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_size = 0
_disabled = False  # set when a pool broke: this process then stays in-process


def available_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_workers() -> int:
    """``PAZHOU_SPAN_WORKERS`` if set, else :func:`available_cpus`."""
    configured = os.environ.get("PAZHOU_SPAN_WORKERS", "").strip()
    return max(1, int(configured)) if configured else available_cpus()


def _executor(workers: int) -> ProcessPoolExecutor:
    """The shared pool with ``workers`` processes (created or resized under the lock)."""
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != workers:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            context = multiprocessing.get_context("spawn")
            _pool = ProcessPoolExecutor(workers, mp_context=context, initializer=warm_up)
            _pool_size = workers
        return _pool


def shutdown() -> None:
    """Stop the worker processes (a later large batch starts new ones)."""
    global _pool, _pool_size
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
        _pool, _pool_size = None, 0


def _discard(pool: ProcessPoolExecutor) -> None:
    """Forget a broken pool and stop using pools in this process (a worker that cannot
    start, e.g. because the main script spawns processes at import, would fail again)."""
    global _pool, _pool_size, _disabled
    with _lock:
        if _pool is pool:
            _pool, _pool_size = None, 0
        _disabled = True
    pool.shutdown(wait=False, cancel_futures=True)


def chunks(items: list[str], workers: int) -> list[list[str]]:
    """``items`` cut into a multiple of ``workers`` equal pieces (as many as fit with at
    least ``MIN_CHUNK`` items each, and at least ``workers`` pieces)."""
    pieces = workers * max(1, len(items) // (workers * MIN_CHUNK))
    size = -(-len(items) // pieces)
    return [items[i : i + size] for i in range(0, len(items), size)]


def row_chunks(rows: int, workers: int) -> list[tuple[int, int]]:
    """``(start, end)`` row ranges for :func:`start`: one range when ``rows`` is below
    ``MIN_PARALLEL`` or there is one worker, else a multiple of ``workers`` ranges of about
    ``MIN_CHUNK`` rows (small pieces keep both cores busy while the caller works too)."""
    if workers <= 1 or rows < MIN_PARALLEL:
        return [(0, rows)] if rows else []
    pieces = workers * max(1, rows // (workers * MIN_CHUNK))
    size = -(-rows // pieces)
    return [(lo, min(rows, lo + size)) for lo in range(0, rows, size)]


def prestart(workers: int | None = None) -> None:
    """Start the worker processes now (they load their tables while the caller does other
    work); a no-op where pools cannot be used."""
    count = default_workers() if workers is None else max(1, workers)
    if count > 1 and not _disabled and not multiprocessing.current_process().daemon:
        pool = _executor(count)
        for _ in range(count):
            pool.submit(warm_up)


class Pending(Generic[R]):
    """Results of tasks handed to the pool: call to wait for them (in task order);
    :meth:`cancel` drops the tasks not yet started."""

    def __init__(
        self, fn: Callable[..., R], tasks: Sequence[tuple[Any, ...]], pool: ProcessPoolExecutor
    ) -> None:
        self._fn, self._tasks, self._pool = fn, tasks, pool
        self._futures = [pool.submit(fn, *task) for task in tasks]

    def __call__(self) -> list[R]:
        """Wait for every result; a pool that broke meanwhile is replaced by this process."""
        try:
            return [future.result() for future in self._futures]
        except (BrokenProcessPool, OSError, AssertionError):
            _discard(self._pool)
            return [self._fn(*task) for task in self._tasks]

    def cancel(self) -> None:
        """Drop the tasks that have not started (e.g. because another column failed)."""
        for future in self._futures:
            future.cancel()


def start(fn: Callable[..., R], tasks: Sequence[tuple[Any, ...]]) -> Callable[[], list[R]]:
    """Submit ``fn(*task)`` for each task to the pool (when there are several tasks) and
    return at once (a :class:`Pending`); calling it waits for the results, in task order. A
    single task, or a process without a usable pool, runs in this process when results are
    asked for; so do the tasks of a pool that breaks."""
    if len(tasks) < 2 or _disabled or multiprocessing.current_process().daemon:
        return lambda: [fn(*task) for task in tasks]
    pool = _executor(_pool_size or default_workers())
    try:
        return Pending(fn, tasks, pool)
    except (BrokenProcessPool, RuntimeError, OSError):
        _discard(pool)
        return lambda: [fn(*task) for task in tasks]


def _parallel(
    distinct: list[str],
    entities: tuple[str, ...] | None,
    threshold: float,
    workers: int,
    worker: Worker[T],
) -> list[list[T]] | None:
    """``worker`` over ``distinct`` in the pool; None when the pool cannot be used."""
    if _disabled or multiprocessing.current_process().daemon:
        return None  # daemonic processes may not have children
    pool = _executor(workers)
    try:
        futures = [
            pool.submit(worker, chunk, entities, threshold) for chunk in chunks(distinct, workers)
        ]
        return [hits for future in futures for hits in future.result()]
    except (BrokenProcessPool, OSError, AssertionError):
        _discard(pool)
        return None


def run(
    texts: Sequence[str],
    entities: tuple[str, ...] | None,
    threshold: float,
    workers: int | None,
    worker: Worker[T],
) -> list[list[T]]:
    """``worker(texts, entities, threshold)`` (a module-level function, so that it pickles),
    spread over worker processes when the batch holds ``MIN_PARALLEL`` distinct texts."""
    count = default_workers() if workers is None else max(1, workers)
    if count > 1 and len(texts) >= MIN_PARALLEL:
        distinct = list(dict.fromkeys(texts))
        if len(distinct) >= MIN_PARALLEL:
            found = _parallel(distinct, entities, threshold, count, worker)
            if found is not None:
                by_text = dict(zip(distinct, found, strict=True))
                return [by_text[text] for text in texts]
    return worker(texts, entities, threshold)
