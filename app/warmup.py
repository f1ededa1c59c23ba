"""Start-up work done once per server process, in the background, so that the first requests
do not pay for it and later garbage collections do not walk what start-up loaded.

- diffprivlib (and scikit-learn under it) is imported, and DuckDB runs one statement;
- on PostgreSQL, as many connections as the worker threads are opened into the pool (each
  costs the server a process start: a few milliseconds that the first burst of requests
  would otherwise queue behind);
- then what the process holds is moved out of the collector's way (``gc.freeze``): modules,
  settings and caches live for the whole process, and a full collection that walks them took
  hundreds of milliseconds in the middle of requests under load;
- the young generation's threshold is raised (20,000 allocations, from 700), so collections
  come less often; the service's objects are mostly short-lived and acyclic.
"""

import gc
import logging
import threading

import duckdb
from sqlalchemy.exc import SQLAlchemyError

from app.db.session import Database
from policies import mechanisms

log = logging.getLogger("pazhou")

GC_THRESHOLDS = (20_000, 20, 20)
_started = threading.Event()


def start(db: Database, connections: int) -> None:
    """Warm up once per process (several apps in one process, as in tests, share it)."""
    if _started.is_set():
        return
    _started.set()
    gc.set_threshold(*GC_THRESHOLDS)
    args = (db, connections)
    threading.Thread(target=_warm_up, args=args, name="pazhou-warm-up", daemon=True).start()


def _warm_up(db: Database, connections: int) -> None:
    mechanisms.preload()
    duckdb.connect().execute("SELECT 1").fetchall()
    if not db.is_sqlite:
        _fill_pool(db, connections)
    gc.collect()
    gc.freeze()


def _fill_pool(db: Database, connections: int) -> None:
    opened = []
    try:
        for _ in range(connections):
            opened.append(db.engine.connect())
    except SQLAlchemyError:
        log.warning("could not open the connection pool in advance", exc_info=True)
    finally:
        for conn in opened:
            conn.close()  # back to the pool, which keeps them
