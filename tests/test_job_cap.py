"""The cap on concurrent jobs per organisation: jobs past it wait queued (never refused) while
other organisations' jobs run; on PostgreSQL two workers cannot both take the last slot."""

import threading
import time

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from app.config import Settings
from app.db.session import Database
from app.repositories import jobs as repo
from tests.uploads import new_dataset, post_file
from tests.world import World, auth


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No worker in the app: the test plays the workers, claiming jobs itself."""
    return settings.model_copy(update={"job_worker": False, "max_running_jobs_per_org": 2})


def _scan_job(client: TestClient, key: str, name: str) -> str:
    dataset_id = new_dataset(client, key, name)
    upload = post_file(client, key, dataset_id, b"district,n\nTianhe,1\nHaizhu,2\n")
    assert upload.status_code == 201, upload.text
    job_id: str = upload.json()["scan_job_id"]
    return job_id


def _claim(db: Database, cap: int) -> str | None:
    with db.transaction() as session:
        job = repo.claim_next(session, cap)
        return None if job is None else job.id


def _state(client: TestClient, key: str, job_id: str) -> str:
    state: str = client.get(f"/v1/jobs/{job_id}", headers=auth(key)).json()["state"]
    return state


def test_jobs_past_the_cap_wait_while_another_org_runs(
    client: TestClient, world: World, db: Database
) -> None:
    ours = [_scan_job(client, world.agency, f"registry {i}") for i in range(3)]
    theirs = _scan_job(client, world.other_agency, "health")
    # workers take the two oldest of ours, then skip our third for the other organisation's
    assert [_claim(db, 2) for _ in range(4)] == [ours[0], ours[1], theirs, None]
    assert [_state(client, world.agency, j) for j in ours] == ["running", "running", "queued"]
    assert _state(client, world.other_agency, theirs) == "running"
    with db.transaction() as session:
        assert repo.finish(session, ours[0], 1, {})
        assert repo.running_count(session, world.org_id) == 1
    assert _claim(db, 2) == ours[2]  # a slot came free


def test_without_a_cap_the_queue_is_first_come_first_served(
    client: TestClient, world: World, db: Database
) -> None:
    ours = [_scan_job(client, world.agency, f"registry {i}") for i in range(3)]
    theirs = _scan_job(client, world.other_agency, "health")
    with db.transaction() as session:
        claimed = [repo.claim_next(session) for _ in range(5)]
    assert [job.id if job else None for job in claimed] == [*ours, theirs, None]


@pytest.fixture
def two_orgs_queued(client: TestClient, world: World) -> tuple[list[str], str]:
    ours = [_scan_job(client, world.agency, f"r{i}") for i in range(2)]
    return ours, _scan_job(client, world.other_agency, "h")


def _wait_until_blocked(db: Database) -> None:
    """PostgreSQL: until another session waits on a row lock (the organisation's)."""
    if db.is_sqlite:
        return  # SQLite: the second claim waits for the write lock; nothing to observe
    deadline = time.monotonic() + 30
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND datname = current_database()"
    )
    while time.monotonic() < deadline:
        with db.reading() as session:
            if session.scalar(query):
                return
        time.sleep(0.01)
    raise AssertionError("the second claim never waited for the first")


def test_two_workers_cannot_both_take_the_last_slot(
    db: Database, two_orgs_queued: tuple[list[str], str]
) -> None:
    ours, theirs = two_orgs_queued
    first_claimed, release = threading.Event(), threading.Event()
    results: dict[str, str | None] = {}

    def first_worker() -> None:
        with db.transaction() as session:
            job = repo.claim_next(session, 1)
            results["first"] = job.id if job else None
            first_claimed.set()
            release.wait(30)  # still running its claim transaction

    def second_worker() -> None:
        results["second"] = _claim(db, 1)

    threads = [threading.Thread(target=first_worker), threading.Thread(target=second_worker)]
    threads[0].start()
    assert first_claimed.wait(30)
    threads[1].start()
    _wait_until_blocked(db)
    release.set()
    for thread in threads:
        thread.join(30)
    assert results == {"first": ours[0], "second": theirs}


def test_the_apps_worker_honours_the_configured_cap(
    client: TestClient, world: World, db: Database
) -> None:
    ours = [_scan_job(client, world.agency, f"registry {i}") for i in range(3)]
    theirs = _scan_job(client, world.other_agency, "health")
    assert [_claim(db, 2) for _ in range(2)] == ours[:2]  # two of ours held by other workers
    assert client.app.state.jobs.run_one()  # type: ignore[attr-defined]
    assert _state(client, world.other_agency, theirs) == "succeeded"
    assert _state(client, world.agency, ours[2]) == "queued"
