"""Load test (issue 7): 64 concurrent clients for 60 s against a real server (2 uvicorn
workers, PostgreSQL) — DP queries, catalog reads and audit reads — then the audit chain, the
budget ledger and the log's completeness are checked.

Mix: 45% DP queries (each client cycles through 16 distinct queries at ε = 0.05, so the first
run of each spends budget and later ones are the cached answer; once a grant is spent, fresh
queries get 409, which is a correct answer, not an error), 35% catalog reads, 20% audit-event
reads by the auditor. Goals: ≥ 300 requests/s, p99 < 200 ms, zero 5xx, zero budget overspend,
every 2xx answer's request id in the audit log.

Run from the repository root (the client runs on the same 2 cores as the server)::

    /work/venv-scratch/bin/python -m bench.load [--seconds 60] [--clients 64] [--workers 2]
"""

import argparse
import asyncio
import json
import random
import statistics
import time
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from bench import load_setup

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

    def add(self, op: str, status: int, seconds: float, request_id: str | None) -> None:
        self.samples.append((op, status, seconds, request_id))


async def _one(
    client: httpx.AsyncClient, op: str, key: str, dataset_id: str, rng: random.Random
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"}
    if op == "query":
        body = rng.choice(QUERIES)
        return await client.post(f"/v1/datasets/{dataset_id}/queries", json=body, headers=headers)
    if op == "catalog":
        return await client.get("/v1/catalog", headers=headers)
    return await client.get(
        "/v1/audit/events",
        params={"limit": 20, "after_seq": rng.randrange(1, 500)},
        headers=headers,
    )


async def _client(
    index: int,
    base: str,
    keys: dict[str, list[str]],
    dataset_id: str,
    deadline: float,
    recorder: Recorder,
) -> None:
    rng = random.Random(index)
    consumer = keys["consumer"][index % len(keys["consumer"])]
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        while time.monotonic() < deadline:
            op = rng.choices(("query", "catalog", "audit"), weights=(45, 35, 20))[0]
            key = keys["auditor"][0] if op == "audit" else consumer
            started = time.perf_counter()
            try:
                response = await _one(client, op, key, dataset_id, rng)
                status, request_id = response.status_code, response.headers.get("x-request-id")
            except httpx.HTTPError:
                status, request_id = 599, None
            recorder.add(op, status, time.perf_counter() - started, request_id)


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
    }


def verify(base: str, url: str, keys: dict[str, list[str]], recorder: Recorder) -> dict[str, Any]:
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
    answered = {s[3] for s in recorder.samples if s[1] < 300 and s[3]}
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
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--consumers", type=int, default=8)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--database-url", default=PG_URL)
    args = parser.parse_args()
    load_setup.ensure_database(args.database_url)
    load_setup.reset(args.database_url)
    keys = load_setup.seed(args.database_url, args.consumers)
    with load_setup.server(args.database_url, args.workers) as base:
        dataset_id = load_setup.publish(base, keys, args.rows, epsilon=0.5)
        recorder = Recorder()
        deadline = time.monotonic() + args.seconds
        started = time.monotonic()
        asyncio.run(_all(args.clients, base, keys, dataset_id, deadline, recorder))
        result = summarize(recorder, time.monotonic() - started)
        result["checks"] = verify(base, args.database_url, keys, recorder)
    result["args"] = vars(args)
    print(json.dumps(result, indent=2, ensure_ascii=False))


async def _all(
    clients: int,
    base: str,
    keys: dict[str, list[str]],
    dataset_id: str,
    deadline: float,
    recorder: Recorder,
) -> None:
    await asyncio.gather(
        *(_client(i, base, keys, dataset_id, deadline, recorder) for i in range(clients))
    )


if __name__ == "__main__":
    main()
