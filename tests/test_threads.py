"""``in_thread``: blocking work on a worker thread, never abandoned by a cancelled caller."""

import asyncio
import contextvars
import gc
import threading
import time

import pytest

from app.http.threads import in_thread

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="none")


def _fail() -> None:
    raise LookupError("from the thread")


def test_result_exception_thread_and_context_variables() -> None:
    async def scenario() -> tuple[str, str]:
        REQUEST_ID.set("req-1")
        name = await in_thread(lambda: threading.current_thread().name)
        seen = await in_thread(REQUEST_ID.get)
        with pytest.raises(LookupError, match="from the thread"):
            await in_thread(_fail)
        return name, seen

    name, seen = asyncio.run(scenario())
    assert name.startswith("pazhou-worker") and name != threading.current_thread().name
    assert seen == "req-1"


def test_a_cancelled_caller_waits_until_the_call_has_finished() -> None:
    finished: list[float] = []

    def slow() -> None:
        time.sleep(0.3)
        finished.append(time.monotonic())

    async def scenario() -> float:
        task = asyncio.create_task(in_thread(slow))
        await asyncio.sleep(0.05)  # the call is running
        task.cancel()
        await asyncio.sleep(0)
        task.cancel()  # twice: still not abandoned
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic()

    cancelled_at = asyncio.run(scenario())
    assert finished and finished[0] <= cancelled_at


def test_a_cancelled_callers_failed_call_leaves_no_unretrieved_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def slow_failure() -> None:
        time.sleep(0.1)
        raise LookupError("after the caller was cancelled")

    async def scenario() -> None:
        task = asyncio.create_task(in_thread(slow_failure))
        await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    gc.collect()  # an unretrieved error is reported when its future is collected
    assert "never retrieved" not in caplog.text
