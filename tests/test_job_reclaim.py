"""A job left running by a worker that died is taken back: queued again for another worker,
or failed after MAX_ATTEMPTS, each on the audit record; a worker that was only slow cannot
store its outcome once its attempt was taken back."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from starlette.testclient import TestClient

from app.clock import CLOCK
from app.config import Settings
from app.db.models import AuditEvent
from app.db.session import Database
from app.jobs.reclaim import MAX_ATTEMPTS, SILENT_SECONDS, take_back_silent
from app.repositories import jobs as repo
from tests.uploads import new_dataset, post_file
from tests.world import World, auth


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No worker in the app: the test plays the workers (and kills them)."""
    return settings.model_copy(update={"job_worker": False})


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    CLOCK.reset()
    yield
    CLOCK.reset()


def _scan_job(client: TestClient, world: World) -> str:
    dataset_id = new_dataset(client, world.agency, "registry")
    upload = post_file(client, world.agency, dataset_id, b"district,n\nTianhe,1\nHaizhu,2\n")
    assert upload.status_code == 201, upload.text
    job_id: str = upload.json()["scan_job_id"]
    return job_id


def _claim_and_die(db: Database) -> int:
    """A worker claims the job and is killed: no heartbeat ever again. Its attempt number."""
    with db.transaction() as session:
        job = repo.claim_next(session)
        assert job is not None
        return job.attempts


def _job(client: TestClient, world: World, job_id: str) -> dict[str, object]:
    body: dict[str, object] = client.get(f"/v1/jobs/{job_id}", headers=auth(world.agency)).json()
    return body


def _job_events(db: Database, job_id: str) -> list[AuditEvent]:
    with db.reading() as session:
        query = select(AuditEvent).where(AuditEvent.resource == f"job/{job_id}")
        return list(session.scalars(query.order_by(AuditEvent.seq)))


def test_a_silent_job_is_queued_again_and_then_runs(
    client: TestClient, app: FastAPI, world: World, db: Database
) -> None:
    job_id = _scan_job(client, world)
    _claim_and_die(db)
    CLOCK.advance(timedelta(seconds=SILENT_SECONDS - 5))
    assert take_back_silent(db) == 0  # slow is not dead
    CLOCK.advance(timedelta(seconds=10))
    assert take_back_silent(db) == 1
    assert _job(client, world, job_id)["state"] == "queued"
    [requeued] = _job_events(db, job_id)
    assert requeued.outcome == 202 and requeued.details["requeued"] is True
    assert app.state.jobs.run_one()  # another worker takes it
    assert _job(client, world, job_id)["state"] == "succeeded"


def test_a_job_whose_workers_keep_dying_fails_with_a_reason(
    client: TestClient, world: World, db: Database
) -> None:
    job_id = _scan_job(client, world)
    for _ in range(MAX_ATTEMPTS):
        _claim_and_die(db)
        CLOCK.advance(timedelta(seconds=SILENT_SECONDS + 1))
        assert take_back_silent(db) == 1
    job = _job(client, world, job_id)
    assert job["state"] == "failed"
    assert f"started {MAX_ATTEMPTS} times" in str(job["error"])
    outcomes = [event.outcome for event in _job_events(db, job_id)]
    assert outcomes == [202] * (MAX_ATTEMPTS - 1) + [500]
    with db.reading() as session:  # no longer counted against the organisation's cap
        assert repo.running_count(session, world.org_id) == 0


def test_a_slow_worker_cannot_store_the_outcome_of_a_taken_back_attempt(
    client: TestClient, world: World, db: Database
) -> None:
    job_id = _scan_job(client, world)
    first = _claim_and_die(db)
    CLOCK.advance(timedelta(seconds=SILENT_SECONDS + 1))
    assert take_back_silent(db) == 1
    second = _claim_and_die(db)
    assert second == first + 1
    with db.transaction() as session:
        assert not repo.finish(session, job_id, first, {"late": True})
        assert not repo.heartbeat(session, job_id, first)
        assert repo.heartbeat(session, job_id, second)
    assert _job(client, world, job_id)["state"] == "running"
