"""Shared dependencies: the request's transaction, which also carries its audit event."""

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from app.audit.context import audit_context
from app.config import Settings
from app.db.session import Database


def _success_status(request: Request) -> int:
    route = request.scope.get("route")
    if isinstance(route, APIRoute) and route.status_code:
        return route.status_code
    return 200


def write_session(request: Request) -> Iterator[Session]:
    """One transaction per request; the audit event commits with the action or not at all.

    Runs with ``scope="function"``: the commit happens before the response is sent, and the
    response waits until the event is chained, so a client never sees a success that was not
    stored. ``receipt()`` may commit earlier (its response names the event); whatever the
    endpoint stores after it commits here, as part of the same action.
    """
    db: Database = request.app.state.db
    context = audit_context(request)
    session = db.write_sessions()
    try:
        yield session
        context.commit(session, db, _success_status(request))
        for then in _hooks(request, "after_commit"):
            then()
        context.chain(db)
        context.written = True
    except BaseException:
        session.rollback()
        if not context.committed:
            context.rolled_back()
            for undo in _hooks(request, "rollback_hooks"):
                undo()
        raise
    finally:
        session.close()


def _hooks(request: Request, name: str) -> list[Callable[[], object]]:
    hooks: list[Callable[[], object]] = request.scope["state"].setdefault(name, [])
    return hooks


def rollback_hooks(request: Request) -> list[Callable[[], object]]:
    """Undo steps outside the database (files written) if the transaction does not commit."""
    return _hooks(request, "rollback_hooks")


def after_commit(request: Request) -> list[Callable[[], object]]:
    """Steps to run once the request's transaction has committed (waking the job worker)."""
    return _hooks(request, "after_commit")


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


SessionDep = Annotated[Session, Depends(write_session, scope="function")]
DatabaseDep = Annotated[Database, Depends(database)]
SettingsDep = Annotated[Settings, Depends(settings)]
