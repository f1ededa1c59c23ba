"""Grants: until access requests exist, an admin (or the CLI) creates them directly."""

from datetime import timedelta

from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.ids import new_id
from app.db.models import Dataset, Grant
from app.errors import InvalidInput, NotFound
from app.repositories import budget as repo
from app.repositories import principals as principal_repo

OUTPUTS = ("dp_query", "extract")


def create(
    session: Session,
    creator_id: str,
    dataset_id: str,
    consumer_id: str,
    epsilon: float,
    days: int,
    purpose: str,
    outputs: list[str],
    delta: float = 0.0,
) -> Grant:
    if session.get(Dataset, dataset_id) is None:
        raise NotFound(f"dataset {dataset_id} does not exist")
    consumer = principal_repo.get_principal(session, consumer_id)
    if consumer is None or consumer.role != "consumer":
        raise InvalidInput(f"{consumer_id} is not a consumer", field="consumer_id")
    unknown = [o for o in outputs if o not in OUTPUTS]
    if unknown or not outputs:
        raise InvalidInput(f"outputs must be among {', '.join(OUTPUTS)}", field="outputs")
    grant = Grant(
        id=new_id("grt"),
        dataset_id=dataset_id,
        consumer_id=consumer_id,
        purpose=purpose,
        outputs=outputs,
        epsilon_total=epsilon,
        epsilon_spent=0.0,
        delta_total=delta,
        delta_spent=0.0,
        expires_at=utcnow() + timedelta(days=days),
        created_by=creator_id,
        created_at=utcnow(),
    )
    repo.add(session, grant)
    return grant
