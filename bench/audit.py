"""Audit log benchmark (issue 6): append throughput and proof latency.

* Append throughput: 8 writers, each doing what one request does, for ``--seconds`` seconds:
  on its own connection, stage an event in a transaction of its own, commit, then wait until
  the event is chained and its sequence number and hash are known
  (``app.audit.sealer.wait_sealed``: group commit, one seal for whatever every writer staged
  meanwhile). On SQLite (WAL file) and on PostgreSQL: once as 8 threads of one process, once
  as 8 processes. Reported: events/s, events per seal, whether the chain verifies, the CPU
  per event of the writers (threads: the benchmark process; processes: the 8 writer processes
  over their timed loops) and of their PostgreSQL backends, and the machine's load average
  (the machine is shared: read throughput together with it).
* Proofs at scale: ``--events`` synthetic chained events (default 1,000,000) are bulk-loaded,
  the Merkle tree is caught up once (timed), then ``--samples`` inclusion proofs at random
  sequence numbers and consistency proofs between random sizes are timed (median, p95),
  each in its own read session, as the endpoint does. Also: the time to sign a checkpoint.

The PostgreSQL database comes from ``PAZHOU_BENCH_DATABASE_URL`` (its ``public`` schema is
dropped and rebuilt). Run from the repository root::

    PAZHOU_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/pz_audit \\
        /work/venv-scratch/bin/python bench/audit.py [--events 1000000] [--only sqlite|postgres]
"""

import argparse
import json
import multiprocessing
import os
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, distinct, func, insert, make_url, select, text

from app.audit.chain import GENESIS_HASH, event_hash
from app.audit.heads import checkpoint
from app.audit.log_verify import verify_log
from app.audit.sealer import staging, wait_sealed
from app.audit.tree import catch_up, consistency_proof, inclusion_proof
from app.config import Settings
from app.db import migrate
from app.db.models import AuditEvent
from app.db.session import Database
from app.repositories.audit import NewEvent, write

WRITERS = 8


def fresh_database(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'audit-bench.db'}"
    else:
        url = os.environ["PAZHOU_BENCH_DATABASE_URL"]
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrate.upgrade(url)
    return url


def append_throughput(url: str, seconds: float) -> dict[str, Any]:
    db, stop, counts = Database(url), threading.Event(), [0] * WRITERS

    def writer(slot: int) -> None:
        with db.engine.connect() as conn:  # a request's own connection
            while not stop.is_set():
                _append(db, conn, _new_event(slot, counts[slot]))
                counts[slot] += 1

    threads = [threading.Thread(target=writer, args=(slot,)) for slot in range(WRITERS)]
    started, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    server_cpu = None if db.is_sqlite else server_cpu_s(db)
    db.dispose()
    events = max(sum(counts), 1)
    result = {"writers": WRITERS, "events": events, "events_per_s": events / elapsed}
    result["app_cpu_ms_per_event"] = round(cpu * 1000 / events, 3)
    if server_cpu is not None:
        result["server_cpu_ms_per_event"] = round(server_cpu * 1000 / events, 3)
    return {**result, **chain_stats(url, after_seq=0), "load_1min": os.getloadavg()[0]}


def server_cpu_s(db: Database, application: str | None = None) -> float | None:
    """CPU seconds used by this database's server processes so far (all opened by this run; or
    those of one ``application_name``), read from ``/proc``: None unless PostgreSQL runs on
    this machine."""
    query = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
    if application is not None:
        query += " AND application_name = :application"
    with db.engine.connect() as conn:
        pids = conn.execute(text(query), {"application": application}).scalars().all()
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def _writer_process(url: str, slot: int, start_at: float, seconds: float) -> dict[str, Any]:
    """One writer process: its events, its CPU seconds and its server processes' CPU seconds."""
    application = f"pazhou-bench-{slot}"
    db, count = Database(_named(url, application)), 0
    time.sleep(max(0.0, start_at - time.time()))  # every process starts together, imports done
    deadline, cpu = time.perf_counter() + seconds, time.process_time()
    with db.engine.connect() as conn:
        while time.perf_counter() < deadline:
            _append(db, conn, _new_event(slot, count))
            count += 1
    cpu = time.process_time() - cpu
    server_cpu = None if db.is_sqlite else server_cpu_s(db, application)
    db.dispose()
    return {"events": count, "cpu_s": cpu, "server_cpu_s": server_cpu}


def _named(url: str, application: str) -> str:
    """The URL with the connections' ``application_name`` (PostgreSQL)."""
    if url.startswith("sqlite"):
        return url
    return (
        make_url(url)
        .update_query_dict({"application_name": application})
        .render_as_string(hide_password=False)
    )


def append_throughput_processes(url: str, seconds: float) -> dict[str, Any]:
    """The same with 8 writer processes (as 8 server workers would be: no shared GIL)."""
    after_seq = chain_stats(url, 0)["events_chained"]
    start_at = time.time() + 15
    with multiprocessing.get_context("spawn").Pool(WRITERS) as pool:
        jobs = [(url, slot, start_at, seconds) for slot in range(WRITERS)]
        writers = pool.starmap(_writer_process, jobs)
    events = max(sum(writer["events"] for writer in writers), 1)
    result = {"writers": WRITERS, "events": events, "events_per_s": events / seconds}
    cpu = sum(writer["cpu_s"] for writer in writers)
    result["app_cpu_ms_per_event"] = round(cpu * 1000 / events, 3)
    server = [writer["server_cpu_s"] for writer in writers]
    if None not in server:
        result["server_cpu_ms_per_event"] = round(sum(server) * 1000 / events, 3)
    return {**result, **chain_stats(url, after_seq), "load_1min": os.getloadavg()[0]}


def chain_stats(url: str, after_seq: int) -> dict[str, Any]:
    """Seals (one timestamp each) since ``after_seq``, and whether the whole chain verifies."""
    db = Database(url)
    with db.reading() as session:
        seals = session.scalar(
            select(func.count(distinct(AuditEvent.time))).where(AuditEvent.seq > after_seq)
        )
        chained = session.scalar(select(func.max(AuditEvent.seq))) or 0
    verdict = verify_log(db)
    db.dispose()
    events = chained - after_seq
    return {
        "events_chained": chained,
        "events_per_seal": round(events / seals, 1) if seals else 0.0,
        "chain_ok": verdict.ok and verdict.checked == chained,
    }


def _append(db: Database, conn: Connection, event: NewEvent) -> int:
    """What a request adds: write the event in its transaction, commit, wait for the chain.

    PostgreSQL stages it and waits for a seal; SQLite chains it in the transaction itself.
    """
    with staging(db.engine):
        written = write(conn, event)
        conn.commit()
    if written.pending_id is not None:
        return wait_sealed(db.engine, written.pending_id).seq
    assert written.sealed is not None
    return written.sealed.seq


def _new_event(slot: int, n: int) -> NewEvent:
    return NewEvent(
        action="queries.run",
        resource=f"dataset/ds_{slot}/queries",
        outcome=200,
        actor=f"prn_bench_{slot}",
        role="consumer",
        dataset_id=f"ds_{slot}",
        client="127.0.0.1",
        request_id=f"bench-{slot}-{n}",
        details={"method": "POST", "epsilon_spent": 0.1, "cached": False, "purpose": "bench"},
    )


def bulk_load(url: str, count: int) -> float:
    """Chain ``count`` events in Python and insert them in batches (not through ``append``)."""
    db, prev, started = Database(url), GENESIS_HASH, time.perf_counter()
    batch: list[dict[str, Any]] = []
    for seq in range(1, count + 1):
        values = {
            "seq": seq,
            "time": f"2026-11-{1 + seq // 100_000:02d}T00:00:00.{seq % 1_000_000:06d}Z",
            "actor": f"prn_{seq % 50}",
            "role": "consumer",
            "action": "queries.run",
            "resource": f"dataset/ds_{seq % 7}/queries",
            "dataset_id": f"ds_{seq % 7}",
            "outcome": 200,
            "client": "127.0.0.1",
            "request_id": f"r{seq}",
            "details": {"method": "POST", "epsilon_spent": 0.01},
            "prev_hash": prev,
        }
        values["hash"] = prev = event_hash(values)
        batch.append(values)
        if len(batch) == 10_000:
            _insert(db, batch)
    _insert(db, batch)
    db.dispose()
    return time.perf_counter() - started


def _insert(db: Database, batch: list[dict[str, Any]]) -> None:
    if batch:
        with db.transaction() as session:
            session.execute(insert(AuditEvent), batch)
        batch.clear()


def proof_latency(url: str, count: int, samples: int, workdir: Path) -> dict[str, Any]:
    db = Database(url)
    started = time.perf_counter()
    size = catch_up(db)
    catch_up_s = time.perf_counter() - started
    rng = random.Random(6)
    inclusion = _timed(samples, lambda: _inclusion(db, rng.randint(1, size), size))
    consistency = _timed(samples, lambda: _consistency(db, rng.randint(1, size), size))
    settings = Settings(environment="development", database_url=url, data_dir=workdir)
    started = time.perf_counter()
    checkpoint(db, settings, force=True)
    sign_s = time.perf_counter() - started
    db.dispose()
    return {
        "tree_size": size,
        "catch_up_s": catch_up_s,
        "inclusion_ms": inclusion,
        "consistency_ms": consistency,
        "checkpoint_ms": sign_s * 1000,
    }


def _inclusion(db: Database, seq: int, size: int) -> None:
    with db.reading() as session:
        inclusion_proof(session, seq, size)


def _consistency(db: Database, first: int, size: int) -> None:
    with db.reading() as session:
        consistency_proof(session, first, size)


def _timed(samples: int, call: Any) -> dict[str, float]:
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"median": statistics.median(times), "p95": times[int(len(times) * 0.95) - 1]}


def run(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = fresh_database(kind, workdir)
        appends = append_throughput(url, args.seconds)
        processes = append_throughput_processes(url, args.seconds)
        if args.appends_only:
            return {"database": kind, "append": appends, "append_processes": processes}
        (workdir / "big").mkdir()
        url = fresh_database(kind, workdir / "big")
        load_s = bulk_load(url, args.events)
        proofs = proof_latency(url, args.events, args.samples, workdir)
    return {
        "database": kind,
        "append": appends,
        "append_processes": processes,
        "bulk_load_s": load_s,
        **proofs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--appends-only", action="store_true")
    args = parser.parse_args()
    kinds = [args.only] if args.only else ["sqlite", "postgres"]
    for kind in kinds:
        result = run(kind, args)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
