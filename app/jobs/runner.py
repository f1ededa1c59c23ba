"""An in-process worker: claims queued jobs from the database and runs their handlers.

Several processes may run one each: claiming is a conditional update (SKIP LOCKED on
PostgreSQL, the write lock on SQLite), so a job runs once. A handler works in two phases:
the slow part outside any transaction (reads, files, computation), returning a ``Commit``
that stores its outcome in one short transaction, together with the job's result and its
audit event. A failure marks the job failed with a message for the agency.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.db.session import Database
from app.errors import AppError
from app.repositories import jobs as repo
from app.repositories.audit import NewEvent, append

log = logging.getLogger("pazhou.jobs")
POLL_SECONDS = 0.5


@dataclass(frozen=True)
class JobContext:
    job_id: str
    kind: str
    dataset_id: str
    version: int
    owner_id: str
    db: Database

    def progress(self, fraction: float) -> None:
        with self.db.transaction() as session:
            repo.set_progress(session, self.job_id, round(min(max(fraction, 0.0), 0.99), 3))


Commit = Callable[[Session], dict[str, Any]]
Handler = Callable[[JobContext], Commit]


IdleTask = Callable[[Database], object]
CONSUMER_KINDS = ("extract",)


class JobRunner:
    """``idle_tasks`` run whenever the queue is empty (e.g. recording expired grants).

    ``max_running_per_org`` caps the jobs one organisation has running across all workers;
    its further jobs wait queued (other organisations' jobs go first), never refused.
    """

    def __init__(
        self,
        db: Database,
        handlers: dict[str, Handler],
        idle_tasks: tuple[IdleTask, ...] = (),
        max_running_per_org: int | None = None,
    ) -> None:
        self.db, self.handlers, self.idle_tasks = db, handlers, idle_tasks
        self.max_running_per_org = max_running_per_org
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="pazhou-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def kick(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            if not self.run_one():
                self.run_idle_tasks()
                self._wake.wait(POLL_SECONDS)
                self._wake.clear()

    def run_idle_tasks(self) -> None:
        for task in self.idle_tasks:
            try:
                task(self.db)
            except Exception:
                log.exception("idle task %s failed", getattr(task, "__name__", task))

    def run_one(self) -> bool:
        """Claim and run one job; False when the queue is empty."""
        try:
            with self.db.transaction() as session:
                job = repo.claim_next(session, self.max_running_per_org)
                context = None if job is None else _context(job, self.db)
        except Exception:
            log.exception("could not claim a job")
            return False
        if context is None:
            return False
        self._run(context)
        return True

    def _run(self, context: JobContext) -> None:
        try:
            commit = self.handlers[context.kind](context)
            with self.db.transaction() as session:
                result = commit(session)
                repo.finish(session, context.job_id, result)
                append(session, _event(context, 200, result))
        except Exception as exc:
            self._record_failure(context, exc)

    def _record_failure(self, context: JobContext, exc: Exception) -> None:
        if isinstance(exc, AppError):
            message, status = exc.detail, exc.status
        else:
            log.exception("job %s failed", context.job_id)
            message, status = "internal error; see the server log", 500
        with self.db.transaction() as session:
            repo.fail(session, context.job_id, message)
            append(session, _event(context, status, {"error": message}))


def _context(job: Any, db: Database) -> JobContext:
    return JobContext(job.id, job.kind, job.dataset_id, job.version, job.owner_id, db)


def _event(context: JobContext, outcome: int, details: dict[str, Any]) -> NewEvent:
    return NewEvent(
        action=f"job.{context.kind}",
        resource=f"job/{context.job_id}",
        outcome=outcome,
        actor=context.owner_id,
        role="consumer" if context.kind in CONSUMER_KINDS else "agency",
        dataset_id=context.dataset_id,
        client="worker",
        details={"version": context.version, **details},
    )
