"""Load test (issue 7): 64 concurrent clients for 60 s against a real server (2 uvicorn
workers, PostgreSQL) — DP queries, catalog reads and audit reads — then the audit chain, the
budget ledger and the log's completeness are checked.

Mix: 45% DP queries (each client cycles through 16 distinct queries at ε = 0.05, so the first
run of each spends budget and later ones are the cached answer; once a grant is spent, fresh
queries get 409, which is a correct answer, not an error), 35% catalog reads, 20% audit-event
reads by the auditor. Goals: ≥ 300 requests/s, p99 < 200 ms, zero 5xx, zero budget overspend,
every 2xx answer's request id in the audit log.

Warm-up: the same traffic runs ``--warm-up`` seconds (default 10) before the measured
``--seconds``, and is reported apart (``warm_up``): the first second or two are a cold start
(64 clients connecting at once, the 16 queries computed for the first time, caches filling).
The checks cover both phases.

Pacing: ``--rate R`` offers R requests/s in total, each client sending every ``clients / R``
seconds on its own keep-alive connection, and a latency counts from when the request was due
(a client still waiting for its previous answer sends late, and that wait is counted: no
coordinated omission). ``--rate 0`` sends back to back, which measures the most the server
can do; its latencies are then just ``clients / throughput`` (Little's law), not a property
of the server.

Run from the repository root. The client runs on the same 2 cores as the server, so it is a
minimal keep-alive client (``bench.lean_http``), and the CPU per request of server, PostgreSQL
backends and client is reported next to throughput::

    .venv/bin/python -m bench.load [--seconds 60] [--clients 64] [--workers 2] [--hog 0.9]

``--hog SHARE`` keeps SHARE of one core busy during the run (``bench.cpu_hog``): how the
service holds up when the machine has less to give, as in a shared machine's slow stretches.
"""

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from bench import load_setup, proc_cpu
from bench.lean_http import LeanClient, Reply

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/pz_load"
QUERIES = [
    {
        "aggregations": [{"fn": "count"}, {"fn": "sum", "column": "income"}],
        "group_by": ["district"],
        "where": [{"column": "age", "op": ">=", "value": low}],
        "epsilon": 0.05,
    }
    for low in range(0, 80, 5)
]


class Recorder:
    def __init__(self) -> None:
        self.samples: list[tuple[str, int, float, str | None]] = []
        self.finished_at: list[float] = []  # perf_counter() when each sample's answer came

    def add(self, op: str, status: int, seconds: float, request_id: str | None) -> None:
        self.samples.append((op, status, seconds, request_id))
        self.finished_at.append(time.perf_counter())

    def timeline(self, step: float = 10.0) -> list[dict[str, Any]]:
        """p50/p99 per ``step`` seconds of the run: where in the run the slow answers were."""
        if not self.samples:
            return []
        start = min(self.finished_at)
        slots: dict[int, list[float]] = {}
        for (_, _, seconds, _), at in zip(self.samples, self.finished_at, strict=True):
            slots.setdefault(int((at - start) // step), []).append(seconds)
        return [
            {
                "from_s": int(slot * step),
                "requests": len(values),
                "p50_ms": round(1000 * _percentile(values, 0.5), 1),
                "p99_ms": round(1000 * _percentile(values, 0.99), 1),
                "max_ms": round(1000 * max(values), 1),
            }
            for slot, values in sorted(slots.items())
        ]


async def _one(client: LeanClient, op: str, key: str, dataset_id: str, rng: random.Random) -> Reply:
    headers = {"Authorization": f"Bearer {key}"}
    if op == "query":
        body = rng.choice(QUERIES)
        return await client.post(f"/v1/datasets/{dataset_id}/queries", headers, body)
    if op == "catalog":
        return await client.get("/v1/catalog", headers, {})
    params = {"limit": 20, "after_seq": rng.randrange(1, 500)}
    return await client.get("/v1/audit/events", headers, params)


@dataclass(frozen=True)
class Run:
    """Where and how hard: ``rate`` requests/s in total (0: each client sends back to back)."""

    base: str
    keys: dict[str, list[str]]
    dataset_id: str
    clients: int
    rate: float
    measure_from: float  # monotonic: answers before it are the warm-up's
    deadline: float


async def _client(index: int, run: Run, recorders: tuple[Recorder, Recorder]) -> None:
    """One client: requests in sequence on one connection, paced at ``rate / clients`` per
    second. A request's latency counts from when it was due, not when it was sent, so time a
    client spent waiting for its previous answer is not hidden (no coordinated omission)."""
    rng = random.Random(index)
    consumer = run.keys["consumer"][index % len(run.keys["consumer"])]
    client = LeanClient(run.base)
    interval = run.clients / run.rate if run.rate > 0 else 0.0
    due = time.perf_counter() + interval * index / run.clients
    while time.monotonic() < run.deadline:
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        op = rng.choices(("query", "catalog", "audit"), weights=(45, 35, 20))[0]
        key = run.keys["auditor"][0] if op == "audit" else consumer
        started = due if interval else time.perf_counter()
        try:
            response = await _one(client, op, key, run.dataset_id, rng)
            status, request_id = response.status, response.headers.get("x-request-id")
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            status, request_id = 599, None
        done = time.perf_counter()
        recorder = recorders[0] if time.monotonic() < run.measure_from else recorders[1]
        recorder.add(op, status, done - started, request_id)
        due = due + interval if interval else done
    await client.close()


class CpuMeter:
    """CPU used during the run by the server's processes, the database's backends and this
    client, from ``/proc`` (the machine is shared: CPU per request is the steadier figure)."""

    def __init__(self, server_pid: int, url: str) -> None:
        self.server_pid, self.url = server_pid, url
        self.backends = self._backends()
        self.start = self._now()

    def _backends(self) -> dict[int, float]:
        return {pid: proc_cpu.process_cpu_s(pid) for pid in proc_cpu.database_backends(self.url)}

    def _now(self) -> dict[str, float]:
        return {
            "server": proc_cpu.tree_cpu_s(self.server_pid),
            "client": time.process_time(),
            "load_average_1m": os.getloadavg()[0],
        }

    def per_request(self, requests: int) -> dict[str, float]:
        """Backends opened during the run count whole; one closed during it is missed."""
        end, backends = self._now(), self._backends()
        used = {k: end[k] - self.start[k] for k in ("server", "client")}
        used["postgres"] = sum(cpu - self.backends.get(pid, 0.0) for pid, cpu in backends.items())
        report = {k: round(1000 * v / max(requests, 1), 2) for k, v in used.items()}
        report["load_average_1m_before"] = round(self.start["load_average_1m"], 2)
        report["load_average_1m_after"] = round(end["load_average_1m"], 2)
        return report


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def summarize(recorder: Recorder, seconds: float) -> dict[str, Any]:
    latencies = [s[2] for s in recorder.samples]
    by_op: dict[str, Any] = {}
    for op in ("query", "catalog", "audit"):
        mine = [s for s in recorder.samples if s[0] == op]
        by_op[op] = {
            "requests": len(mine),
            "p50_ms": round(1000 * _percentile([s[2] for s in mine], 0.5), 1),
            "p99_ms": round(1000 * _percentile([s[2] for s in mine], 0.99), 1),
            "statuses": dict(Counter(s[1] for s in mine)),
        }
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / seconds, 1),
        "p50_ms": round(1000 * _percentile(latencies, 0.5), 1),
        "p99_ms": round(1000 * _percentile(latencies, 0.99), 1),
        "mean_ms": round(1000 * statistics.fmean(latencies), 1) if latencies else 0.0,
        "server_errors": sum(1 for s in recorder.samples if s[1] >= 500),
        "statuses": dict(Counter(s[1] for s in recorder.samples)),
        "by_op": by_op,
        "timeline": recorder.timeline(),
    }


def verify(base: str, url: str, keys: dict[str, list[str]], *recorders: Recorder) -> dict[str, Any]:
    """The chain verifies, no budget is overspent, every 2xx answer has its event."""
    auditor = {"Authorization": f"Bearer {keys['auditor'][0]}"}
    chain = httpx.get(f"{base}/v1/audit/verify", headers=auditor, timeout=600).json()
    engine = create_engine(url)
    with engine.connect() as conn:
        overspent = conn.execute(
            text("SELECT count(*) FROM grants WHERE epsilon_spent > epsilon_total + 1e-9")
        ).scalar()
        cap = conn.execute(
            text("SELECT count(*) FROM dataset_budgets WHERE epsilon_spent > epsilon_total + 1e-9")
        ).scalar()
        ledger = conn.execute(
            text(
                "SELECT g.id, g.epsilon_spent, coalesce(sum(q.epsilon), 0) FROM grants g "
                "LEFT JOIN query_ledger q ON q.grant_id = g.id AND q.state = 'committed' "
                "GROUP BY g.id, g.epsilon_spent"
            )
        ).all()
        logged = {row[0] for row in conn.execute(text("SELECT request_id FROM audit_events"))}
    engine.dispose()
    answered = {s[3] for r in recorders for s in r.samples if s[1] < 300 and s[3]}
    return {
        "chain": chain,
        "grants_overspent": overspent,
        "datasets_overspent": cap,
        "ledger_mismatches": sum(1 for _, spent, total in ledger if abs(spent - total) > 1e-9),
        "answered_2xx": len(answered),
        "answered_without_event": len(answered - logged),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="measured")
    parser.add_argument(
        "--warm-up", type=float, default=10, help="seconds of traffic before, reported apart"
    )
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--rate", type=float, default=300, help="requests/s offered in total; 0 = flat out"
    )
    parser.add_argument("--consumers", type=int, default=8)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--database-url", default=PG_URL)
    parser.add_argument(
        "--hog", type=float, default=0.0, help="share of one core kept busy meanwhile (0-1)"
    )
    args = parser.parse_args()
    load_setup.ensure_database(args.database_url)
    load_setup.reset(args.database_url)
    keys = load_setup.seed(args.database_url, args.consumers)
    with load_setup.server(args.database_url, args.workers) as (base, server_pid):
        dataset_id = load_setup.publish(base, keys, args.rows, epsilon=0.5)
        warm, recorder = Recorder(), Recorder()
        meter = CpuMeter(server_pid, args.database_url)
        measure_from = time.monotonic() + args.warm_up
        deadline = measure_from + args.seconds
        run = Run(base, keys, dataset_id, args.clients, args.rate, measure_from, deadline)
        with _hog(args.hog):  # the traffic only (warm-up included)
            asyncio.run(_all(run, (warm, recorder)))
        result = summarize(recorder, time.monotonic() - measure_from)
        result["warm_up"] = summarize(warm, args.warm_up) if args.warm_up else None
        result["cpu_ms_per_request"] = meter.per_request(len(warm.samples) + len(recorder.samples))
        result["checks"] = verify(base, args.database_url, keys, warm, recorder)
    result["args"] = vars(args)
    print(json.dumps(result, indent=2, ensure_ascii=False))


@contextmanager
def _hog(share: float) -> Iterator[None]:
    """``bench.cpu_hog`` keeping ``share`` of a core busy for the block (none if 0)."""
    if share <= 0:
        yield
        return
    hog = subprocess.Popen([sys.executable, "-m", "bench.cpu_hog", str(share)])
    try:
        yield
    finally:
        hog.terminate()
        hog.wait(timeout=10)


async def _all(run: Run, recorders: tuple[Recorder, Recorder]) -> None:
    await asyncio.gather(*(_client(i, run, recorders) for i in range(run.clients)))


if __name__ == "__main__":
    main()
