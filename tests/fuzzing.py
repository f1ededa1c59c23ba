"""Schema-driven fuzzing: schemathesis cases from the service's own ``/openapi.json``, sent
in-process with each role's key, every response checked against the document and the contract.

Shared by ``tests/test_fuzz.py`` (bounded, fixed seed) and ``bench/fuzz.py`` (longer).

The scene (``tests.authz_scene``) gives a published dataset, grants, a pending request, an
extract; their ids go into half the cases (``tests.fuzz_cases``). Findings are collected, not
raised, so one run reports every operation and role that misbehaves.
"""

from __future__ import annotations

import inspect
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from fastapi.routing import APIRoute, iter_route_contexts
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.python.asgi import ASGIClient
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from app.db.session import Database
from tests.authz_scene import build_scene
from tests.fuzz_cases import case_strategy, keeps_the_key
from tests.world import World, auth

ROLES = ("admin", "agency", "consumer", "auditor", "nobody")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
BASE_URL = "http://testserver"


@dataclass(frozen=True)
class Finding:
    role: str
    operation: str
    status: int
    problem: str

    def __str__(self) -> str:
        return f"[{self.role}] {self.operation} -> {self.status}: {self.problem}"


@dataclass
class FuzzRun:
    """What a run sent and found: ``statuses`` counts answers per status code."""

    findings: list[Finding] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    by_operation: dict[str, Counter[int]] = field(default_factory=dict)
    cases: int = 0

    def record(self, operation: str, status: int) -> None:
        self.cases += 1
        self.statuses[status] += 1
        self.by_operation.setdefault(operation, Counter())[status] += 1


@dataclass(frozen=True)
class Target:
    """The app to fuzz, its keys by role, and real ids by parameter name (per role)."""

    app: Any
    keys: dict[str, str | None]
    ids: dict[str, dict[str, Any]]


def prepare_target(client: TestClient, world: World, db: Database) -> Target:
    """A published dataset, a grant, a pending request, an extract, a spare key and principal."""
    scene = build_scene(client, world, db)
    shared = {
        "dataset_id": scene.ids["dataset"],
        "version": 1,
        "request_id": scene.ids["request"],
        "grant_id": scene.fresh_grant(),  # revocable by the fuzz without ending the main grant
        "extract_id": scene.ids["extract"],
        "job_id": scene.ids["scan_job"],
        "principal_id": scene.ids["spare_principal"],
        "key_id": scene.fresh_key(),  # a key the fuzz may revoke
        "seq": 1,
        "consumer_id": client.get("/v1/me", headers=auth(world.consumer)).json()["principal_id"],
    }
    ids = {role: dict(shared) for role in ROLES}
    ids["consumer"]["job_id"] = scene.ids["extract_job"]
    keys = {role: scene.keys[role] for role in ROLES}
    return Target(client.app, keys, ids)


def required_roles(app: Any) -> dict[str, frozenset[str]]:
    """By operation label, the roles its route requires (absent: any key, or none)."""
    found = {}
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        for call in _calls(route.dependant):
            if getattr(call, "__qualname__", "").startswith("require_roles."):
                roles = frozenset(inspect.getclosurevars(call).nonlocals["roles"])
                found.update({f"{method} {route.path_format}": roles for method in route.methods})
    return found


def _calls(dependant: Any) -> Iterable[Callable[..., Any]]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def budget(app: Any, allowed: int, refused: int) -> Callable[[str, Any], int]:
    """``allowed`` examples where the role gets past its role check, ``refused`` elsewhere."""
    roles = required_roles(app)

    def examples(role: str, operation: Any) -> int:
        needed = roles.get(operation.label)
        denied = role == "nobody" or (needed is not None and role not in needed)
        return refused if denied else allowed

    return examples


def load_schema(client: TestClient) -> Any:
    """The service's own document, as served."""
    response = client.get("/openapi.json")
    assert response.status_code == 200, response.text
    return schemathesis.openapi.from_dict(response.json())


def operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def fuzz(
    target: Target,
    schema: Any,
    examples: Callable[[str, Any], int],
    roles: Iterable[str] = ROLES,
) -> FuzzRun:
    """Every operation, with each role's key; ``examples(role, operation)`` bounds each pair."""
    run = FuzzRun()
    session = ASGIClient(target.app)  # not entered: the app's own lifespan is already running
    for role in roles:
        for operation in operations(schema):
            count = examples(role, operation)
            if count > 0:
                _fuzz_one(target, session, role, operation, count, run)
    return run


def _fuzz_one(
    target: Target,
    session: ASGIClient,
    role: str,
    operation: Any,
    count: int,
    run: FuzzRun,
) -> None:
    headers = _headers(target.keys[role])
    cases = case_strategy(operation, target.ids[role])
    if headers:  # a negated header is sent without the key: that is "nobody"'s part
        cases = cases.filter(keeps_the_key)

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # findings are collected, not raised
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def send(case: Any) -> None:
        _send(case, session, headers, role, run)

    send()


def _headers(key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} if key else {}


def _send(case: Any, session: ASGIClient, headers: dict[str, str], role: str, run: FuzzRun) -> None:
    if headers:  # a role's key replaces the generated one; "nobody" keeps the garbage
        generated = case.headers or {}
        case.headers = {k: v for k, v in generated.items() if k.lower() != "authorization"}
    response = case.call(session=session, base_url=BASE_URL, headers=headers)
    run.record(f"[{role}] {operation_label(case)}", response.status_code)
    problems = []
    try:
        case.validate_response(response, checks=CHECKS, headers=headers)
    except FailureGroup as exc:  # every failed check
        problems.append(_first_lines(str(exc)))
    problems += error_shape_problems(response.status_code, response.content)
    sent = f"{response.request.method} {response.request.url}"
    for problem in problems:
        finding = Finding(role, operation_label(case), response.status_code, f"{sent}\n{problem}")
        run.findings.append(finding)


def operation_label(case: Any) -> str:
    return str(case.operation.label)


def error_shape_problems(status: int, content: bytes) -> list[str]:
    """A 4xx or 5xx body must be ``{"error": str, "detail": str, ...}``."""
    if status < 400:
        return []
    try:
        body = json.loads(content)
    except ValueError:
        return [f"error body is not JSON: {content[:120]!r}"]
    if not isinstance(body, dict):
        return [f"error body is not an object: {content[:120]!r}"]
    wrong = [name for name in ("error", "detail") if not isinstance(body.get(name), str)]
    return [f"error body lacks string {', '.join(wrong)}: {body}"] if wrong else []


def _first_lines(text: str, limit: int = 12) -> str:
    return "\n".join(text.strip().splitlines()[:limit])
