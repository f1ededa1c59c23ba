"""The PostgreSQL engine: a pool sized to the worker threads, few round trips per request.

On this path a round trip to the server costs more CPU than most statements do, so:

- a connection is pinged only when it comes back to work after ``PING_AFTER_IDLE_SECONDS``
  of rest (a server restart is noticed there); a connection in steady use is not pinged on
  every checkout. Should the server go away mid-load, the first statement on each stale
  connection fails, the pool drops every connection older than that failure, and the next
  request connects afresh.
- statements are not prepared server-side by default: a plan cached while a table was small
  (the audit log at start-up) would go on scanning it whole as it grows. A statement over
  small reference tables whose planning costs more than its execution (the catalog's
  five-table join, a consumer's grants, a key) opts in with
  ``.execution_options(prepare=True)``. PostgreSQL plans a prepared statement again once
  ``ANALYZE`` has updated the statistics of a table it reads; connections are also recycled
  every ``PREPARED_PLAN_SECONDS``, so that no generic plan outlives by long the table sizes it
  was made for.
- read-only sessions run in autocommit: under READ COMMITTED each statement takes its own
  snapshot either way, and no ``BEGIN``/``COMMIT`` round trips are spent around them.
"""

import time
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc

PING_AFTER_IDLE_SECONDS = 5.0
PREPARED_PLAN_SECONDS = 1800
NEVER_BY_COUNT = 2**62  # psycopg prepares after this many runs; None would refuse prepare=True


def postgres_engine(url: str, pool_size: int, max_overflow: int) -> Engine:
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_recycle=PREPARED_PLAN_SECONDS,
        connect_args={"prepare_threshold": NEVER_BY_COUNT},  # only statements that opt in
    )
    event.listen(engine, "do_execute", _execute_prepared_if_asked)
    event.listen(engine, "checkin", _note_rest)
    event.listen(engine, "checkout", _ping_if_rested)
    return engine


def read_only(engine: Engine) -> Engine:
    """The same pool, in autocommit (setting it costs psycopg no round trip)."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def _execute_prepared_if_asked(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
    """psycopg prepares a statement that set ``prepare=True`` (once per connection)."""
    if not context.execution_options.get("prepare"):
        return False
    cursor.execute(statement, parameters, prepare=True)
    return True


def _note_rest(_dbapi_connection: Any, record: Any) -> None:
    record.info["rested_from"] = time.monotonic()


def _ping_if_rested(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    rested_from = record.info.get("rested_from")
    if rested_from is None or time.monotonic() - rested_from < PING_AFTER_IDLE_SECONDS:
        return  # new, or back after a short rest
    # in autocommit: a ping in a transaction of its own would leave the connection in it, and
    # a read session could then not switch it to autocommit (switching costs no round trip)
    was_autocommit = dbapi_connection.autocommit
    try:
        dbapi_connection.autocommit = True
        dbapi_connection.execute("SELECT 1")
    except Exception as error:
        raise exc.DisconnectionError("the connection did not answer a ping") from error
    finally:
        if not dbapi_connection.closed:
            dbapi_connection.autocommit = was_autocommit
