"""Parse in one thread while the caller writes Parquet in another: both cores busy, and a
small queue bounds how far the parser may run ahead (memory stays a few blocks)."""

import queue
import threading
from collections.abc import Generator
from typing import Any

import pyarrow as pa

_DONE = object()
DEPTH = 2


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def read_ahead(reader: Any, depth: int = DEPTH) -> Generator[pa.RecordBatch, None, None]:
    """The reader's batches, parsed ahead in a thread; its errors are raised here, in order."""
    slots: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            while not stop.is_set():
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                slots.put(batch)
        except BaseException as exc:  # handed to the consumer, which raises it
            slots.put(_Failure(exc))
            return
        slots.put(_DONE)

    thread = threading.Thread(target=produce, name="pazhou-csv-parse", daemon=True)
    thread.start()
    try:
        while (item := slots.get()) is not _DONE:
            if isinstance(item, _Failure):
                raise item.exc
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            try:
                slots.get_nowait()
            except queue.Empty:
                thread.join(0.01)
