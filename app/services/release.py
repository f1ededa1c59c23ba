"""Starting a publish job."""

from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.db.models import Job
from app.errors import Conflict, NotFound
from app.repositories import datasets as dataset_repo
from app.repositories import jobs as job_repo
from app.repositories import release as repo
from app.services.datasets import get_owned


def start_publish(session: Session, actor: Actor, dataset_id: str, version: int) -> Job:
    get_owned(session, actor, dataset_id)
    if dataset_repo.version(session, dataset_id, version) is None:
        raise NotFound(f"dataset {dataset_id} has no version {version}")
    if repo.classification(session, dataset_id, version) is None:
        raise Conflict(f"version {version} has not been scanned yet; wait for its scan job")
    return job_repo.enqueue(session, "publish", dataset_id, version, actor.principal_id)


def job_of(session: Session, actor: Actor, job_id: str) -> Job:
    """A job, for its owner only (404 for anyone else)."""
    job = job_repo.get(session, job_id)
    if job is None or job.owner_id != actor.principal_id:
        raise NotFound(f"job {job_id} does not exist")
    return job
