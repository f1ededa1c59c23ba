"""Worker processes for the bulk span finder (:mod:`anonymizers.fast_spans`).

A batch of at least ``MIN_PARALLEL`` distinct texts is cut into equal chunks (a multiple of
the worker count, at least ``MIN_CHUNK`` texts each) that a process pool scans in parallel;
smaller batches run in the calling process, so they never pay for worker start-up. The pool
is created on first use with the ``spawn`` start method (safe from any thread, e.g. a
uvicorn worker's thread pool) and kept for later calls. Where child processes are impossible
(a daemonic process) or the pool breaks (a worker died, or a main script without an
``if __name__ == "__main__"`` guard), the batch runs in-process and so does every later one:
results never depend on the pool.

``PAZHOU_SPAN_WORKERS`` overrides the default worker count (the CPUs this process may use).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from anonymizers.fast_spans import warm_up

T = TypeVar("T")
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
