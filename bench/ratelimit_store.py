"""What a rate limit kept in the database would cost per request, against the in-process one.

A shared token bucket is one conditional UPDATE in its own short write transaction per request
(the request's own transaction cannot hold it: the check comes before any work). This measures
that transaction on SQLite (WAL, ``BEGIN IMMEDIATE``) and on PostgreSQL, from 1 thread and from
8 threads on one key (a hot row), next to ``app.http.ratelimit.RateLimiter.take``.

    python -m bench.ratelimit_store [postgresql+psycopg://...]
"""

import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import text

from app.db.session import Database
from app.http.ratelimit import RateLimiter

CALLS = 2000
TAKE = text(
    "UPDATE bench_buckets SET tokens = tokens - 1, stamp = :now WHERE key_id = :key AND tokens >= 1"
)


def _prepare(db: Database) -> None:
    with db.transaction() as session:
        session.execute(text("DROP TABLE IF EXISTS bench_buckets"))
        session.execute(
            text(
                "CREATE TABLE bench_buckets "
                "(key_id varchar(40) primary key, tokens float, stamp float)"
            )
        )
        session.execute(text("INSERT INTO bench_buckets VALUES ('k', 1e12, 0)"))


def _take(db: Database) -> None:
    with db.transaction() as session:
        session.execute(TAKE, {"now": time.time(), "key": "k"})


def _per_call_us(work: object, threads: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda _: work(), range(CALLS)))  # type: ignore[operator]
    return (time.perf_counter() - started) / CALLS * 1e6


def main() -> None:
    urls = [f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}", *sys.argv[1:]]
    limiter = RateLimiter(per_minute=10**9, burst=10**9)
    print(f"in-process: {_per_call_us(lambda: limiter.take('k'), 1):8.1f} µs/request")
    for url in urls:
        db = Database(url)
        _prepare(db)
        for threads in (1, 8):
            cost = _per_call_us(lambda db=db: _take(db), threads)
            print(f"{url.split(':')[0]:>20} {threads} thread(s): {cost:8.1f} µs/request")
        with db.transaction() as session:
            session.execute(text("DROP TABLE bench_buckets"))
        db.dispose()


if __name__ == "__main__":
    main()
