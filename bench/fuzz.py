"""Long schema-driven fuzz run (issue 7): the bounded fuzz of ``tests/test_fuzz.py`` with many
more examples per operation and role, then stateful runs per role (schemathesis
chains operations through the links it infers from the document: a created dataset's id
into its upload, policy and publish, a request's id into approve, ...).

Same checks as the test: no 5xx, status, content type, headers and body as declared, every
error in the contract's shape. It prints what it found (deduplicated) and exits 1 if anything.

Run from the repository root (SQLite in a temporary directory unless ``--database-url``; a
PostgreSQL database is dropped and recreated, so name a scratch one)::

    /work/venv-scratch/bin/python -m bench.fuzz [--examples 40] [--stateful 30] \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/pz_fuzz]
"""

from __future__ import annotations

import argparse
import base64
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import Flaky
from schemathesis.core.failures import FailureGroup
from schemathesis.python.asgi import ASGIClient
from starlette.testclient import TestClient

from app.config import Settings
from app.db import migrate
from app.main import create_app
from tests.conftest import _reset_postgres
from tests.fuzzing import (
    BASE_URL,
    CHECKS,
    ROLES,
    Finding,
    FuzzRun,
    Target,
    budget,
    error_shape_problems,
    fuzz,
    load_schema,
    prepare_target,
)
from tests.world import build_world


def _settings(database_url: str | None, workdir: Path) -> Settings:
    url = database_url or f"sqlite:///{workdir / 'fuzz.db'}"
    if url.startswith("postgresql"):
        _reset_postgres(url)
    migrate.upgrade(url)
    key = "fuzz-key:" + base64.b64encode(os.urandom(32)).decode()
    return Settings(
        environment="test",
        database_url=url,
        data_dir=workdir / "data",
        secret_key="fuzz-secret-" + "x" * 40,
        data_keys=key,
        rate_limit_per_minute=0,
        log_level="WARNING",
    )


def stateful(target: Target, schema: Any, role: str, examples: int, run: FuzzRun) -> None:
    """Chains of calls with ``role``'s key; findings are collected, not raised.

    The server's state changes under Hypothesis, so replaying a scenario may draw differently
    (``Flaky``): like schemathesis' own runner, start again until ``examples`` scenarios ran.
    """
    session = ASGIClient(target.app)
    key = target.keys[role]
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    scenarios = restarts = 0

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            nonlocal scenarios
            scenarios += 1

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"session": session, "base_url": BASE_URL, "headers": headers}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            run.record(f"[{role}] stateful {case.operation.label}", response.status_code)
            problems = error_shape_problems(response.status_code, response.content)
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except FailureGroup as exc:
                problems.append("\n".join(str(exc).strip().splitlines()[:12]))
            label = f"stateful {case.operation.label}"
            run.findings += [Finding(role, label, response.status_code, p) for p in problems]

    while scenarios < examples and restarts < 20:
        try:
            Workflow.run(settings=_stateful_settings(examples - scenarios))
        except Flaky:
            restarts += 1
        else:
            break
    print(f"stateful [{role}]: {scenarios} scenarios, {restarts} restarts")


def _stateful_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=8,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def report(run: FuzzRun, seconds: float) -> None:
    print(
        f"{run.cases} requests in {seconds:.0f} s; statuses: {dict(sorted(run.statuses.items()))}"
    )
    never = sorted(
        {label.split("] ", 1)[1].removeprefix("stateful ") for label in run.by_operation}
        - {
            label.split("] ", 1)[1].removeprefix("stateful ")
            for label, statuses in run.by_operation.items()
            if min(statuses) < 300
        }
    )
    print(f"operations no role ever got a 2xx from: {never or 'none'}")
    distinct = Counter((f.operation, f.status, f.problem.splitlines()[0]) for f in run.findings)
    print(f"{len(run.findings)} findings, {len(distinct)} distinct")
    for (operation, status, problem), times in distinct.most_common():
        print(f"  {times:4d} x {operation} -> {status}: {problem}")
    for finding in {(f.operation, f.status): f for f in run.findings}.values():
        print(f"\n{finding}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=40, help="per operation and role")
    parser.add_argument("--stateful", type=int, default=30, help="scenarios per role")
    parser.add_argument("--database-url", default=os.environ.get("PAZHOU_FUZZ_DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pazhou-fuzz-") as tmp:
        app = create_app(_settings(args.database_url, Path(tmp)))
        with TestClient(app) as client:
            started = time.perf_counter()
            target = prepare_target(client, build_world(app.state.db), app.state.db)
            schema = load_schema(client)
            examples = budget(app, args.examples, max(1, args.examples // 10))
            run = fuzz(target, schema, examples)
            print(f"stateless: {run.cases} requests, {len(run.findings)} findings")
            for role in ROLES if args.stateful else ():
                stateful(target, schema, role, args.stateful, run)
            report(run, time.perf_counter() - started)
        app.state.db.dispose()
    return 1 if run.findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
