"""Blocking work (database, engine, files) off the event loop, on this process's threads.

Starlette's ``run_in_threadpool`` goes through anyio, whose bookkeeping per call (capacity
limiter, cancel scopes, event-loop detection) cost about 100 µs of CPU here; a plain executor
costs about 30 µs, and nearly every request makes such a call. Like anyio's default, a caller
that is cancelled still waits for its call to finish before the cancellation goes on: the
thread's work (a transaction, say) is never left running while the caller cleans up after it.
The call sees the caller's context variables.
"""

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from app.config import DEFAULT_WORKER_THREADS

P = ParamSpec("P")
T = TypeVar("T")

_pool = ThreadPoolExecutor(DEFAULT_WORKER_THREADS, thread_name_prefix="pazhou-worker")
_size = DEFAULT_WORKER_THREADS


def use_threads(count: int) -> None:
    """Size the pool (at start-up: the database pool holds as many connections)."""
    global _pool, _size
    if count != _size:
        old, _size = _pool, count
        _pool = ThreadPoolExecutor(count, thread_name_prefix="pazhou-worker")
        old.shutdown(wait=False)  # its threads finish what they run, then end


async def in_thread(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``call(*args, **kwargs)`` on a worker thread; its result or its exception."""
    bound = functools.partial(contextvars.copy_context().run, call, *args, **kwargs)
    future = asyncio.get_running_loop().run_in_executor(_pool, bound)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        await _until_done(future)
        if not future.cancelled():
            future.exception()  # seen: its error goes no further than the cancellation
        raise


async def _until_done(future: "asyncio.Future[Any]") -> None:
    while not future.done():
        try:
            await asyncio.wait([future])
        except asyncio.CancelledError:
            continue  # cancelled again: the call still runs, so still wait
