"""Sanitized extracts: ask (with an extract grant), build in the background, download.

The file is built from the published (masked) version only, made k-anonymous on the policy's
quasi-identifiers, re-keyed for its consumer, and served to that consumer while the grant lives.
"""

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.db.base import utcnow
from app.db.ids import new_id
from app.db.models import Dataset, Extract, Grant, Job
from app.db.session import Database
from app.errors import Conflict, InvalidInput, NotFound
from app.repositories import access as repo
from app.repositories import jobs as job_repo
from app.repositories import release as release_repo
from app.services import expiry

FORMATS = ("csv", "parquet")


def start(
    db: Database, session: Session, actor: Actor, dataset_id: str, columns: list[str], fmt: str
) -> tuple[Extract, Job, Grant]:
    """Queue an extract of ``columns`` (all published columns when empty)."""
    grant = expiry.active_grant(db, dataset_id, actor.principal_id, "extract")
    dataset = session.get(Dataset, dataset_id)
    if dataset is None or dataset.published_version is None:
        raise NotFound(f"dataset {dataset_id} is not published")
    published = release_repo.published(session, dataset_id, dataset.published_version)
    if published is None:
        raise NotFound(f"dataset {dataset_id} is not published")
    wanted = _checked_columns(columns, [c["name"] for c in published.columns])
    job = job_repo.enqueue(session, "extract", dataset_id, published.version, actor.principal_id)
    extract = Extract(
        id=new_id("ext"),
        dataset_id=dataset_id,
        grant_id=grant.id,
        consumer_id=actor.principal_id,
        job_id=job.id,
        version=published.version,
        columns=wanted,
        format=fmt,
        report={},
        created_at=utcnow(),
    )
    repo.add(session, extract)
    return extract, job, grant


def _checked_columns(columns: list[str], available: list[str]) -> list[str]:
    if not columns:
        return available
    if len(set(columns)) != len(columns):
        raise InvalidInput("a column is named twice", field="columns")
    for name in columns:
        if name not in available:
            raise InvalidInput(
                f"the published dataset has no column '{name}'", field="columns", column=name
            )
    return columns


def owned(session: Session, actor: Actor, extract_id: str) -> Extract:
    """An extract, for the consumer who asked for it (404 for anyone else)."""
    extract = repo.extract(session, extract_id)
    if extract is None or extract.consumer_id != actor.principal_id:
        raise NotFound(f"extract {extract_id} does not exist")
    return extract


@dataclass(frozen=True)
class Download:
    path: Path
    extract: Extract
    grant: Grant


def download(db: Database, actor: Actor, extract_id: str, data_dir: Path) -> Download:
    """The finished file, while the grant that allowed it still lives."""
    with db.reading() as session:
        extract = owned(session, actor, extract_id)
        job = job_repo.get(session, extract.job_id)
    grant = expiry.still_active(db, extract.grant_id, "extract")
    if job is None or job.state != "succeeded" or extract.file is None:
        state = job.state if job else "unknown"
        raise Conflict(f"extract {extract_id} is not ready (its job is {state})")
    path = data_dir / extract.file
    if not path.is_file():
        raise Conflict(f"the file of extract {extract_id} is gone; ask for a new extract")
    return Download(path, extract, grant)
