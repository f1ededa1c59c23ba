"""The FastAPI application: routers, the error handler, the audit middleware, start-up checks."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from app import logging as app_logging
from app import warmup
from app.api import (
    access_requests,
    admin,
    audit,
    catalog,
    datasets,
    extracts,
    grants,
    health,
    queries,
    release,
)
from app.api.openapi_errors import declare_error_responses
from app.audit.sealer import seal_if_staged
from app.audit.tree import catch_up
from app.auth.key_cache import KeyCache
from app.config import Settings, get_settings
from app.crypto.source import prepare as prepare_data_keys
from app.db import migrate
from app.db.session import Database
from app.errors import install_error_handlers
from app.http import threads
from app.http.stack import install_http_stack
from app.jobs.reclaim import take_back_silent
from app.jobs.runner import JobRunner
from app.services.expiry import expire_due
from app.services.extract_job import extract_handler
from app.services.publish import publish_handler
from app.services.scan import scan_handler
from app.storage.area import DataArea

DOCUMENTED_ORDER = (
    "health",
    "admin",
    "datasets",
    "release",
    "catalog",
    "access requests",
    "queries",
    "extracts",
    "grants",
    "audit",
)


def open_database(settings: Settings) -> Database:
    """Connect, then refuse a schema that is not at head (or migrate the embedded default)."""
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.sqlalchemy_url, settings.db_pool_size, settings.db_max_overflow)
    if settings.auto_migrate and settings.is_sqlite:
        migrate.upgrade(settings.sqlalchemy_url)
    migrate.ensure_at_head(db.engine, settings.sqlalchemy_url)
    seal_if_staged(db)  # audit events staged by a process that died before chaining them
    return db


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app_logging.configure(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.job_worker:
            app.state.jobs.start()
        # the threads that run blocking work (database, engine); the pool has as many connections
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        threads.use_threads(settings.worker_threads)
        warmup.start(app.state.db, settings.worker_threads)
        yield
        app.state.jobs.stop()
        app.state.db.dispose()

    app = FastAPI(
        title="Pazhou",
        version="0.1.0",
        summary="Privacy-preserving data-sharing sandbox",
        lifespan=lifespan,
        openapi_tags=[{"name": tag} for tag in DOCUMENTED_ORDER],  # not the routing order
    )
    app.state.settings = settings
    app.state.db = open_database(settings)
    app.state.key_cache = KeyCache(settings.auth_cache_seconds)
    handlers = {
        "scan": scan_handler(settings),
        "publish": publish_handler(settings),
        "extract": extract_handler(settings),
    }
    app.state.jobs = JobRunner(
        app.state.db,
        handlers,
        # catch_up first seals whatever is staged (leftovers of a killed process too), then
        # extends the Merkle tree, so that a checkpoint has little left to hash
        (expire_due, take_back_silent, catch_up),
        max_running_per_org=settings.max_running_jobs_per_org,
    )
    DataArea(settings.data_dir).prepare()
    prepare_data_keys(settings)  # encryption at rest: refuses to start without a data key
    install_error_handlers(app)
    install_http_stack(app, settings)
    # routes are matched in order: the busiest first (no two routers' paths overlap)
    busiest = (queries, catalog, audit)
    routers = (health, admin, datasets, release, access_requests, extracts, grants)
    for module in (*busiest, *routers):
        app.include_router(module.router)
    declare_error_responses(app)
    return app
