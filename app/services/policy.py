"""Setting a dataset's release policy."""

import hashlib
import json
from typing import Any

from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.db.base import utcnow
from app.db.models import DatasetPolicy
from app.errors import InvalidInput, MalformedRequest, NotFound
from app.repositories import budget as budget_repo
from app.repositories import datasets as dataset_repo
from app.repositories import release as repo
from app.services.datasets import get_owned
from policies.load import PolicyError, parse_mapping, parse_text, policy_json
from policies.schema import Policy

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


def parse_body(body: bytes, content_type: str | None) -> Policy:
    """A policy from a JSON or YAML body (``{"template": ...}`` included); 422 names the field."""
    media = (content_type or "application/json").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedRequest("the policy body is not UTF-8 text") from exc
    try:
        if media == "application/json":
            document = json.loads(text)
            if not isinstance(document, dict):
                raise PolicyError("a policy is a JSON object")
            return parse_mapping(document)
        if media in YAML_TYPES:
            return parse_text(text)
    except json.JSONDecodeError as exc:
        raise MalformedRequest(f"the policy body is not valid JSON: {exc.msg}") from exc
    except PolicyError as exc:
        raise InvalidInput(f"invalid policy: {exc}", field=exc.field) from exc
    raise MalformedRequest(f"send the policy as application/json or application/yaml, not {media}")


def put(
    session: Session, actor: Actor, dataset_id: str, body: bytes, content_type: str | None
) -> DatasetPolicy:
    """Parse and store a policy (ownership first: another organisation's dataset is a 404)."""
    dataset = get_owned(session, actor, dataset_id)
    policy = parse_body(body, content_type)
    _check_columns(session, dataset_id, dataset.current_version, policy)
    _check_hierarchies(policy)
    canonical = policy_json(policy)
    row = DatasetPolicy(
        dataset_id=dataset_id,
        document=json.loads(canonical),
        sha256=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        created_by=actor.principal_id,
        created_at=utcnow(),
    )
    repo.add(session, row)
    budget_repo.set_dataset_cap(session, dataset_id, policy.epsilon_total, policy.delta_total)
    return row


def _check_columns(session: Session, dataset_id: str, current: int | None, policy: Policy) -> None:
    """A policy may only describe columns the dataset has (once it has data)."""
    if current is None:
        return
    version = dataset_repo.version(session, dataset_id, current)
    names = {column["name"] for column in version.columns} if version else set()
    for name in policy.columns:
        if name not in names:
            raise InvalidInput(
                f"invalid policy: the dataset has no column '{name}'", field=f"columns.{name}"
            )
    for group in ("quasi_identifiers", "sensitive"):
        for name in getattr(policy.extracts, group):
            if name not in names:
                field = f"extracts.{group}"
                message = f"invalid policy: the dataset has no column '{name}'"
                raise InvalidInput(message, field=field)


def _check_hierarchies(policy: Policy) -> None:
    """Every extract hierarchy must build now, not halfway through a consumer's extract."""
    from anonymizers.hierarchies import hierarchy_from_spec
    from anonymizers.hierarchy_kinds import InvalidSpec

    for name, spec in policy.extracts.hierarchies.items():
        try:
            hierarchy_from_spec(spec)
        except InvalidSpec as exc:
            field = f"extracts.hierarchies.{name}.{exc.key}"
            raise InvalidInput(f"invalid policy: {exc}", field=field) from exc


def read(session: Session, actor: Actor, dataset_id: str) -> DatasetPolicy:
    get_owned(session, actor, dataset_id)
    row = repo.current_policy(session, dataset_id)
    if row is None:
        raise NotFound(f"dataset {dataset_id} has no policy yet")
    return row


def summary(row: DatasetPolicy) -> dict[str, Any]:
    return {"dataset_id": row.dataset_id, "sha256": row.sha256, "policy": row.document}
