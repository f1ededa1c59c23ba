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
from typing import Any, Protocol

from sqlalchemy.orm import Session

from app.db.session import Database
from app.errors import AppError
from app.repositories import jobs as repo
from app.repositories.audit import NewEvent, append

log = logging.getLogger("pazhou.jobs")
POLL_SECONDS = 0.5
HEARTBEAT_SECONDS = 10.0


@dataclass(frozen=True)
class JobContext:
    job_id: str
    kind: str
    dataset_id: str
    version: int
    owner_id: str
    db: Database
    attempt: int = 1  # which claim of the job this run is (a silent worker's job is re-run)

    @property
    def id(self) -> str:
        return self.job_id

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
            with Heartbeat(context):
                commit = self.handlers[context.kind](context)
                with self.db.transaction() as session:
                    result = commit(session)
                    if not repo.finish(session, context.job_id, context.attempt, result):
                        raise TakenBack(context.job_id)  # rolls the outcome back
                    append(session, job_event(context, 200, result))
        except TakenBack:
            log.warning("job %s was taken back from this worker; outcome dropped", context.job_id)
        except Exception as exc:
            self._record_failure(context, exc)

    def _record_failure(self, context: JobContext, exc: Exception) -> None:
        if isinstance(exc, AppError):
            message, status = exc.detail, exc.status
        else:
            log.exception("job %s failed", context.job_id)
            message, status = "internal error; see the server log", 500
        with self.db.transaction() as session:
            if repo.fail(session, context.job_id, context.attempt, message):
                append(session, job_event(context, status, {"error": message}))


class TakenBack(Exception):
    """This worker's attempt no longer owns the job (it was silent too long and re-queued)."""


class Heartbeat:
    """While a job runs, touch its heartbeat every ``HEARTBEAT_SECONDS`` (a thread), so that
    ``app.jobs.reclaim`` can tell a slow job from one whose worker died."""

    def __init__(self, context: JobContext) -> None:
        self.context, self._stop = context, threading.Event()
        self._thread = threading.Thread(target=self._beat, name="pazhou-job-heartbeat", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _beat(self) -> None:
        context = self.context
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                with context.db.transaction() as session:
                    repo.heartbeat(session, context.job_id, context.attempt)
            except Exception:  # the next beat retries; a long silence gets the job taken back
                log.exception("could not record the heartbeat of job %s", context.job_id)


def _context(job: Any, db: Database) -> JobContext:
    return JobContext(job.id, job.kind, job.dataset_id, job.version, job.owner_id, db, job.attempts)


class JobFacts(Protocol):
    """What an event says about a job: a running ``JobContext`` or a stored ``Job``."""

    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def dataset_id(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def owner_id(self) -> str: ...


def job_event(job: JobFacts, outcome: int, details: dict[str, Any]) -> NewEvent:
    return NewEvent(
        action=f"job.{job.kind}",
        resource=f"job/{job.id}",
        outcome=outcome,
        actor=job.owner_id,
        role="consumer" if job.kind in CONSUMER_KINDS else "agency",
        dataset_id=job.dataset_id,
        client="worker",
        details={"version": job.version, **details},
    )
