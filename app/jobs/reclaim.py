"""Jobs whose worker died (a killed process, a lost machine) are taken back, not left running.

A running job's worker touches its heartbeat every ``HEARTBEAT_SECONDS``. An idle task of every
worker looks for running jobs silent for ``SILENT_SECONDS``: each is queued again for another
worker, or, after ``MAX_ATTEMPTS`` claims, failed with a message for its owner. Either way an
audit event records it, and the job stops counting against its organisation's running-job cap.
The attempt number guards both sides: a worker that was only slow finds, when it finishes,
that its attempt no longer owns the job, and its outcome is rolled back.
"""

from datetime import timedelta

from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import Job
from app.db.session import Database
from app.jobs.runner import job_event
from app.repositories import jobs as repo
from app.repositories.audit import append

SILENT_SECONDS = 120.0
MAX_ATTEMPTS = 3


def take_back_silent(db: Database) -> int:
    """Queue again (or fail) every running job whose heartbeat stopped; how many were taken."""
    before = utcnow() - timedelta(seconds=SILENT_SECONDS)
    with db.reading() as session:
        if not repo.silent_since(session, before):
            return 0
    with db.transaction() as session:
        return sum(_take_back(session, job) for job in repo.silent_since(session, before))


def _take_back(session: Session, job: Job) -> bool:
    silence = f"its worker stopped (no heartbeat for {SILENT_SECONDS:.0f} s)"
    if job.attempts >= MAX_ATTEMPTS:
        error = f"the job was started {job.attempts} times and each time {silence}"
        if not repo.fail(session, job.id, job.attempts, error):
            return False  # another worker took it back first
        append(session, job_event(job, 500, {"error": error, "attempt": job.attempts}))
        return True
    if not repo.requeue(session, job.id, job.attempts):
        return False
    details = {"requeued": True, "attempt": job.attempts, "reason": silence}
    append(session, job_event(job, 202, details))
    return True
