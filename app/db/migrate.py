"""Alembic from code: upgrade to head, and tell whether a database is at head."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

ROOT = Path(__file__).resolve().parents[2]


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


class DatabaseNotAtHead(RuntimeError):
    """The schema is older (or newer) than this code."""


def ensure_at_head(engine: Engine, url: str) -> None:
    current, head = current_revision(engine), head_revision(url)
    if current != head:
        raise DatabaseNotAtHead(
            f"database schema is at revision {current or '<empty>'} but this code needs {head}: "
            "run `pazhou db upgrade` (or `scripts/serve`, which does it for the embedded default)"
        )
