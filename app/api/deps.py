"""Shared dependencies: the request's transaction, which also carries its audit event."""

from collections.abc import AsyncIterator, Callable
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from app.audit.context import audit_context, receipt
from app.config import Settings
from app.db.session import Database
from app.http.threads import in_thread

T = TypeVar("T")


def _success_status(request: Request) -> int:
    route = request.scope.get("route")
    if isinstance(route, APIRoute) and route.status_code:
        return route.status_code
    return 200


async def write_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request; the audit event commits with the action or not at all.

    Runs with ``scope="function"``: the commit happens before the response is sent, and the
    response waits until the event is chained, so a client never sees a success that was not
    stored. ``receipt()`` may commit earlier (its response names the event); whatever the
    endpoint stores after it commits here, as part of the same action.

    An async generator, so that opening the session (no I/O: it connects on first use) costs
    no thread hop; the commit and the wait for the chain run in one.
    """
    db: Database = request.app.state.db
    session = db.write_sessions()
    try:
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):  # a cancelled request still rolls back
            await in_thread(_abandon, request, session)
        raise
    if not _close_if_recorded(request, session):
        await in_thread(_finish, request, db, session)


def _close_if_recorded(request: Request, session: Session) -> bool:
    """If the action and its event are committed already, close the session (no I/O: the
    connection went back to the pool at the commit) and say so."""
    if not _recorded_already(request, session):
        return False
    audit_context(request).written = True
    session.close()
    return True


def _recorded_already(request: Request, session: Session) -> bool:
    """The action committed with its event chained (``receipt()``), nothing happened since and
    nothing waits for the commit: the exit has nothing left to do."""
    context = audit_context(request)
    return (
        context.committed
        and context.event_seq is not None
        and not session.in_transaction()
        and not _hooks(request, "after_commit")
    )


async def in_transaction(
    request: Request, work: Callable[[Session], T], read_only: bool = False
) -> T:
    """``work`` in the request's transaction, then its commit with the audit event, all in one
    thread hop: what ``SessionDep`` does, without a dependency (for the busiest endpoints, the
    generator dependency's entry and exit cost more CPU than the work itself). ``read_only``:
    ``work`` stores nothing, so the event is all there is to commit (``record_sessions``)."""

    def run() -> T:
        db: Database = request.app.state.db
        session = db.record_sessions() if read_only else db.write_sessions()
        try:
            result = work(session)
        except BaseException:
            _abandon(request, session)  # closes the session too
            raise
        if not _close_if_recorded(request, session):
            _finish(request, db, session)
        return result

    return await in_thread(run)


async def read_then_record(request: Request, read: Callable[[Session], T]) -> T:
    """A read-only endpoint's work, then its audit event committed and chained, in one thread
    hop. ``read`` must store nothing."""

    def both(session: Session) -> T:
        result = read(session)
        receipt(request, session, _success_status(request), alone=True)
        return result

    return await in_transaction(request, both, read_only=True)


def _finish(request: Request, db: Database, session: Session) -> None:
    context = audit_context(request)
    try:
        context.commit(session, db, _success_status(request))
        for then in _hooks(request, "after_commit"):
            then()
        context.chain(db)
        context.written = True
    except BaseException:
        _abandon(request, session)  # closes the session too
        raise
    session.close()


def _abandon(request: Request, session: Session) -> None:
    """Roll back; if the action had not committed, its event is gone and its undo steps run."""
    context = audit_context(request)
    try:
        session.rollback()
        if not context.committed:
            context.rolled_back()
            for undo in _hooks(request, "rollback_hooks"):
                undo()
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


# async: FastAPI runs a plain ``def`` dependency in the thread pool, a hop these do not need
async def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


SessionDep = Annotated[Session, Depends(write_session, scope="function")]
DatabaseDep = Annotated[Database, Depends(database)]
SettingsDep = Annotated[Settings, Depends(settings)]
