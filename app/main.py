"""The FastAPI application: routers, the error handler, the audit middleware, start-up checks."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import logging as app_logging
from app.api import admin, audit, datasets, grants, health, queries, release
from app.audit.middleware import AuditMiddleware
from app.config import Settings, get_settings
from app.db import migrate
from app.db.session import Database
from app.errors import install_error_handlers
from app.jobs.runner import JobRunner
from app.services.publish import publish_handler
from app.services.scan import scan_handler
from app.storage.area import DataArea


def open_database(settings: Settings) -> Database:
    """Connect, then refuse a schema that is not at head (or migrate the embedded default)."""
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.sqlalchemy_url)
    if settings.auto_migrate and settings.is_sqlite:
        migrate.upgrade(settings.sqlalchemy_url)
    migrate.ensure_at_head(db.engine, settings.sqlalchemy_url)
    return db


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app_logging.configure(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.job_worker:
            app.state.jobs.start()
        yield
        app.state.jobs.stop()
        app.state.db.dispose()

    app = FastAPI(
        title="Pazhou",
        version="0.1.0",
        summary="Privacy-preserving data-sharing sandbox",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = open_database(settings)
    app.state.jobs = JobRunner(
        app.state.db, {"scan": scan_handler(settings), "publish": publish_handler(settings)}
    )
    DataArea(settings.data_dir).prepare()
    install_error_handlers(app)
    app.add_middleware(AuditMiddleware)
    for module in (health, admin, datasets, release, queries, grants, audit):
        app.include_router(module.router)
    return app
