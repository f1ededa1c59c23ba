"""Fixtures: a database built by ``alembic upgrade head`` (SQLite, or PostgreSQL when
``PAZHOU_TEST_DATABASE_URL`` is set), an app per test, and a small world of principals.

Each test starts from empty tables: rows are deleted after every test (the app commits for
real, in several sessions per request, so a wrapping transaction could not isolate it).
"""

import base64
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from app.config import Settings
from app.db import migrate
from app.db.base import Base
from app.db.session import Database
from app.main import create_app
from tests.world import World, build_world

PG_URL = os.environ.get("PAZHOU_TEST_DATABASE_URL")
TEST_SECRET = "test-secret-" + "x" * 40
# Encryption at rest needs a data key outside development; CLI subprocesses inherit it.
TEST_DATA_KEYS = os.environ.setdefault(
    "PAZHOU_DATA_KEYS", "test-key:" + base64.b64encode(os.urandom(32)).decode()
)


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if PG_URL:
        _reset_postgres(PG_URL)
        url = PG_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'pazhou.db'}"
    migrate.upgrade(url)
    return url


def _empty_tables(url: str) -> None:
    db = Database(url)
    with db.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())
    db.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        data_dir=tmp_path / "data",
        secret_key=TEST_SECRET,
        data_keys=TEST_DATA_KEYS,
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    application.state.db.dispose()
    _empty_tables(settings.sqlalchemy_url)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def db(app: FastAPI) -> Database:
    database: Database = app.state.db
    return database


@pytest.fixture
def world(db: Database) -> World:
    return build_world(db)
