"""Jobs: enqueue, claim (one worker per job, across processes), progress, finish."""

from datetime import datetime
from typing import Any

from sqlalchemy import Select, Update, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from app.db.base import utcnow
from app.db.ids import new_id
from app.db.models import Job, Organisation, Principal

CLAIM_ATTEMPTS = 5


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


def claim_next(session: Session, max_running_per_org: int | None = None) -> Job | None:
    """The oldest queued job whose owner's organisation runs fewer than ``max_running_per_org``
    jobs, marked running; the others stay queued. The organisation is the job owner's (an
    extract counts for the consumer's organisation, not the dataset's).

    SKIP LOCKED lets several workers share the queue. On PostgreSQL the organisation's row is
    locked (``FOR NO KEY UPDATE``) while its running jobs are recounted, so two workers cannot
    both take its last slot; on SQLite the write lock serializes claims.
    """
    capped: set[str] = set()
    for _ in range(CLAIM_ATTEMPTS):
        found = session.execute(_candidate(session, max_running_per_org, capped)).first()
        if found is None:
            return None
        job, org_id = found
        if max_running_per_org is None or _slot_free(session, org_id, max_running_per_org):
            now = utcnow()
            job.state, job.started_at, job.heartbeat_at = "running", now, now
            job.attempts = (job.attempts or 0) + 1
            session.flush()
            return job
        capped.add(org_id)
    return None


def _running_in(org_id: InstrumentedAttribute[str] | str) -> Select[int]:
    running, owner = aliased(Job), aliased(Principal)
    return (
        select(func.count())
        .select_from(running)
        .join(owner, owner.id == running.owner_id)
        .where(running.state == "running", owner.org_id == org_id)
    )


def _candidate(session: Session, cap: int | None, capped: set[str]) -> Select[Job, str]:
    query = (
        select(Job, Principal.org_id)
        .join(Principal, Principal.id == Job.owner_id)
        .where(Job.state == "queued")
        .order_by(Job.created_at, Job.id)
        .limit(1)
    )
    if cap is not None:
        query = query.where(_running_in(Principal.org_id).scalar_subquery() < cap)
    if capped:
        query = query.where(Principal.org_id.not_in(capped))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Job)
    return query


def _slot_free(session: Session, org_id: str, cap: int) -> bool:
    if session.get_bind().dialect.name == "postgresql":
        lock = select(Organisation.id).where(Organisation.id == org_id)
        session.execute(lock.with_for_update(key_share=True))
    return (session.scalar(_running_in(org_id)) or 0) < cap


def running_count(session: Session, org_id: str) -> int:
    """How many jobs of ``org_id``'s principals are running now."""
    return session.scalar(_running_in(org_id)) or 0


def get(session: Session, job_id: str) -> Job | None:
    return session.get(Job, job_id)


def set_progress(session: Session, job_id: str, progress: float) -> None:
    session.execute(update(Job).where(Job.id == job_id).values(progress=progress))


def _this_attempt(job_id: str, attempt: int) -> Update:
    """The job, if it is still running in ``attempt`` (not taken back from a silent worker)."""
    return update(Job).where(Job.id == job_id, Job.state == "running", Job.attempts == attempt)


def heartbeat(session: Session, job_id: str, attempt: int) -> bool:
    result = session.execute(_this_attempt(job_id, attempt).values(heartbeat_at=utcnow()))
    return _changed(result)


def finish(session: Session, job_id: str, attempt: int, result: dict[str, Any]) -> bool:
    """Succeeded; False (nothing changed) if this attempt no longer owns the job."""
    values = {"state": "succeeded", "progress": 1.0, "result": result, "finished_at": utcnow()}
    return _changed(session.execute(_this_attempt(job_id, attempt).values(**values)))


def fail(session: Session, job_id: str, attempt: int, error: str) -> bool:
    values = {"state": "failed", "error": error, "finished_at": utcnow()}
    return _changed(session.execute(_this_attempt(job_id, attempt).values(**values)))


def _changed(result: Any) -> bool:
    return bool(result.rowcount)


def silent_since(session: Session, before: datetime) -> list[Job]:
    """Running jobs whose worker has not touched them since ``before`` (it died)."""
    query = select(Job).where(Job.state == "running", Job.heartbeat_at < before)
    return list(session.scalars(query.order_by(Job.heartbeat_at, Job.id)))


def requeue(session: Session, job_id: str, attempt: int) -> bool:
    """Queued again for any worker; False if ``attempt`` no longer owns the job."""
    values = {"state": "queued", "progress": 0.0, "started_at": None, "heartbeat_at": None}
    return _changed(session.execute(_this_attempt(job_id, attempt).values(**values)))


def latest_for_version(session: Session, dataset_id: str, version: int, kind: str) -> Job | None:
    query = (
        select(Job)
        .where(Job.dataset_id == dataset_id, Job.version == version, Job.kind == kind)
        .order_by(Job.created_at.desc(), Job.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()
