"""The schema comes from migrations only, and the models agree with them."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from app.config import Settings
from app.db import (
    migrate,
    models,  # noqa: F401
)
from app.db.base import Base
from app.main import create_app
from tests.conftest import TEST_SECRET


def test_models_match_migrations(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_database_is_at_head(database_url: str) -> None:
    engine = create_engine(database_url)
    assert migrate.current_revision(engine) == migrate.head_revision(database_url)
    engine.dispose()


def _empty_settings(tmp_path: Path, **extra: object) -> Settings:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    return Settings(
        environment="test",
        database_url=url,
        data_dir=tmp_path / "data",
        secret_key=TEST_SECRET,
        **extra,  # type: ignore[arg-type]
    )


def test_server_refuses_a_database_not_at_head(tmp_path: Path) -> None:
    with pytest.raises(migrate.DatabaseNotAtHead, match="pazhou db upgrade"):
        create_app(_empty_settings(tmp_path))


def test_embedded_default_may_migrate_itself(tmp_path: Path) -> None:
    settings = _empty_settings(tmp_path, auto_migrate=True)
    app = create_app(settings)
    assert migrate.current_revision(app.state.db.engine) == migrate.head_revision(
        settings.sqlalchemy_url
    )
    app.state.db.dispose()


def test_downgrade_then_upgrade_round_trips(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'round.db'}"
    migrate.upgrade(url)
    from alembic import command

    command.downgrade(migrate.alembic_config(url), "base")
    migrate.upgrade(url)
    engine = create_engine(url)
    assert migrate.current_revision(engine) == migrate.head_revision(url)
    engine.dispose()
