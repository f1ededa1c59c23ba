"""Schema-driven fuzzing (issue 7): schemathesis, from the service's own ``/openapi.json``,
over every operation with a key of each role (and none): no 5xx, every status, content type,
header and body as declared, every error in the contract's shape. Bounded: a fixed seed and a
few examples per operation and role (several hundred requests in all); ``bench/fuzz.py`` runs
the long version."""

import pytest
from starlette.testclient import TestClient

from app.config import Settings
from app.db.session import Database
from tests.fuzzing import ROLES, budget, fuzz, load_schema, operations, prepare_target
from tests.world import World

ALLOWED, REFUSED = 8, 1  # examples per operation, for a role it admits and for one it refuses


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No rate limit: a 429 would depend on timing (the limit has its own tests)."""
    return settings.model_copy(update={"rate_limit_per_minute": 0})


def test_every_operation_answers_as_declared_for_every_role(
    client: TestClient, world: World, db: Database
) -> None:
    target = prepare_target(client, world, db)
    run = fuzz(target, load_schema(client), budget(client.app, ALLOWED, REFUSED))
    report = "\n\n".join(str(finding) for finding in run.findings[:20])
    assert not run.findings, f"{len(run.findings)} findings:\n{report}"
    assert run.cases >= 300
    assert not any(status >= 500 for status in run.statuses)
    succeeded = {label for label, statuses in run.by_operation.items() if min(statuses) < 300}
    assert len(succeeded) >= 40, sorted(run.by_operation)  # past auth and 404s, not only refused


def test_the_document_declares_every_error_in_the_contract_shape(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert len(operations(load_schema(client))) == sum(map(len, document["paths"].values()))
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]
            if path.startswith("/v1"):
                assert "503" in responses, (method, path)
            if operation.get("security"):
                assert {"401", "429"} <= responses.keys(), (method, path)
            if "requestBody" in operation:
                assert {"400", "413", "422"} <= responses.keys(), (method, path)
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    media = response["content"]["application/json"]
                    assert media["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert set(ROLES) >= {"admin", "agency", "consumer", "auditor"}
