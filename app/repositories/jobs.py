"""Jobs: enqueue, claim (one worker per job, across processes), progress, finish."""

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.ids import new_id
from app.db.models import Job


def enqueue(session: Session, kind: str, dataset_id: str, version: int, owner_id: str) -> Job:
    job = Job(
        id=new_id("job"),
        kind=kind,
        state="queued",
        progress=0.0,
        dataset_id=dataset_id,
        version=version,
        owner_id=owner_id,
        result={},
        created_at=utcnow(),
    )
    session.add(job)
    session.flush()
    return job


def claim_next(session: Session) -> Job | None:
    """The oldest queued job, marked running; SKIP LOCKED lets several workers share the queue."""
    query = select(Job).where(Job.state == "queued").order_by(Job.created_at, Job.id).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    job = session.scalars(query).first()
    if job is not None:
        job.state, job.started_at = "running", utcnow()
        session.flush()
    return job


def get(session: Session, job_id: str) -> Job | None:
    return session.get(Job, job_id)


def set_progress(session: Session, job_id: str, progress: float) -> None:
    session.execute(update(Job).where(Job.id == job_id).values(progress=progress))


def finish(session: Session, job_id: str, result: dict[str, Any]) -> None:
    values = {"state": "succeeded", "progress": 1.0, "result": result, "finished_at": utcnow()}
    session.execute(update(Job).where(Job.id == job_id).values(**values))


def fail(session: Session, job_id: str, error: str) -> None:
    values = {"state": "failed", "error": error, "finished_at": utcnow()}
    session.execute(update(Job).where(Job.id == job_id).values(**values))


def latest_for_version(session: Session, dataset_id: str, version: int, kind: str) -> Job | None:
    query = (
        select(Job)
        .where(Job.dataset_id == dataset_id, Job.version == version, Job.kind == kind)
        .order_by(Job.created_at.desc(), Job.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()
