"""Schemas of the answers whose routes return plain dicts (the services build them), declared
in ``/openapi.json`` by route name. They document, they do not filter: every object may carry
more fields than listed, and the schema-driven fuzz checks each answer against them."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class Status(BaseModel):
    status: str


class Receipt(BaseModel):
    event_seq: int
    event_hash: str


class Remaining(BaseModel):
    grant_remaining: float
    dataset_remaining: float


class Accuracy(BaseModel):
    confidence: float
    half_width: dict[str, Any]


class QueryAnswer(BaseModel):
    query_id: str
    cached: bool
    epsilon_spent: float
    delta_spent: float
    budget: Remaining
    rows: list[dict[str, Any]]
    accuracy: Accuracy
    receipt: Receipt


class QueryPreview(BaseModel):
    epsilon_cost: float
    delta_cost: float
    cached: bool
    budget: Remaining
    accuracy: Accuracy
    split: dict[str, float]


class GrantBudget(BaseModel):
    grant_id: str
    dataset_id: str
    consumer_id: str
    purpose: str
    outputs: list[str]
    state: str
    epsilon_total: float
    epsilon_spent: float
    epsilon_remaining: float
    delta_total: float
    delta_spent: float
    expires_at: datetime
    revoke_reason: str | None


class DatasetBudget(BaseModel):
    dataset_id: str
    epsilon_total: float
    epsilon_spent: float
    epsilon_remaining: float
    delta_total: float
    delta_spent: float


class Budgets(BaseModel):
    grants: list[GrantBudget]
    datasets: list[DatasetBudget]


class CatalogColumn(BaseModel):
    name: str
    type: str


class CatalogEntry(BaseModel):
    dataset_id: str
    name: str
    description: str
    version: int
    published_at: datetime
    columns: list[CatalogColumn]
    policy: dict[str, Any]
    mock_sample: Any


class CatalogPage(BaseModel):
    items: list[CatalogEntry]
    next: str | None


class Checkpoint(BaseModel):
    origin: str
    tree_size: int
    root_hash: str
    timestamp: str
    key_id: str
    note: str
    signature: str


class ListedCheckpoint(Checkpoint):
    id: int


class CheckpointPage(BaseModel):
    items: list[ListedCheckpoint]
    next: int | None


class PublicKey(BaseModel):
    key_id: str
    algorithm: str
    pem: str


class InclusionProof(BaseModel):
    seq: int
    leaf_index: int
    tree_size: int
    leaf_hash: str
    audit_path: list[str]
    root_hash: str


class ConsistencyProof(BaseModel):
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str]


ANSWERS: dict[str, type[BaseModel]] = {
    "health.live": Status,
    "health.ready": Status,
    "queries.run": QueryAnswer,
    "queries.preview": QueryPreview,
    "budgets.read": Budgets,
    "catalog.list": CatalogPage,
    "catalog.read": CatalogEntry,
    "audit.checkpoint": Checkpoint,
    "audit.checkpoints.create": Checkpoint,
    "audit.checkpoints.list": CheckpointPage,
    "audit.public_key": PublicKey,
    "audit.proofs.inclusion": InclusionProof,
    "audit.proofs.consistency": ConsistencyProof,
}


def declare_answer(operation: dict[str, Any], route_name: str, schemas: dict[str, Any]) -> None:
    """Give the operation's JSON success response the schema of ``ANSWERS[route_name]``."""
    model = ANSWERS.get(route_name)
    if model is None:
        return
    schema = model.model_json_schema(
        mode="serialization", ref_template="#/components/schemas/{model}"
    )
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    for status, response in operation["responses"].items():
        if status.startswith("2"):
            media = response.setdefault("content", {}).setdefault("application/json", {})
            media["schema"] = {"$ref": f"#/components/schemas/{model.__name__}"}
