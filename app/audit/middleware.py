"""ASGI middleware: request id, one audit event per ``/v1`` request, a structured log line.

A successful action writes its event inside its own transaction (see ``app.api.deps``). Every
other outcome (denied, invalid, failed, unrouted) is written here, before the response leaves,
in a transaction of its own, and chained before the response leaves too. An unexpected
exception becomes a 500 in the contract's shape.

Fail closed: if the event cannot be written, the response is replaced by a 503 and its body
is never sent. After the response, a checkpoint is signed when one is due.
"""

import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.audit.context import UNAVAILABLE_DETAIL, AuditContext, record_outcome
from app.audit.heads import Checkpointer
from app.db.session import Database
from app.http.threads import in_thread

log = logging.getLogger("pazhou.access")
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _CLIENT_REQUEST_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


def _new_context(scope: Scope) -> AuditContext:
    client = scope.get("client")
    context = AuditContext(
        request_id=_request_id(scope),
        method=scope["method"],
        path=scope["path"],
        client=client[0] if client else None,
        scope=scope,
    )
    query = scope.get("query_string", b"").decode("latin-1")
    if query:
        context.details["query"] = query[:500]
    return context


class AuditMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.checkpointer: Checkpointer | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        context = _new_context(scope)
        scope.setdefault("state", {}).update(audit=context, request_id=context.request_id)
        db: Database = scope["app"].state.db
        audited = scope["path"].startswith("/v1")
        started = time.perf_counter()
        status: dict[str, int] = {}

        async def send_with_audit(message: Message) -> None:
            if status.get("withheld"):
                return  # the body of a response whose event could not be written
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = context.request_id
                if audited and not context.written:
                    written = await in_thread(_write_event, db, context, status["code"])
                    if not written:
                        status["code"] = status["withheld"] = 503
                        await _unavailable(context, send)
                        return
            await send(message)

        try:
            await self.app(scope, receive, send_with_audit)
        except Exception:
            log.exception("unhandled error request_id=%s", context.request_id)
            if "code" in status:
                raise
            await _internal_error(context, send_with_audit)
        finally:
            _log_access(context, status.get("code", 500), started)
        if audited and (checkpoints := self._checkpoints(scope)).due():
            await in_thread(checkpoints.maybe)

    def _checkpoints(self, scope: Scope) -> Checkpointer:
        if self.checkpointer is None:
            state = scope["app"].state
            self.checkpointer = Checkpointer(state.db, state.settings)
        return self.checkpointer


def _write_event(db: Database, context: AuditContext, outcome: int) -> bool:
    """Write the request's event; False if the log cannot be written (fail closed)."""
    try:
        record_outcome(db, context, outcome)
    except Exception:
        log.exception("audit event not written request_id=%s", context.request_id)
        return False
    return True


async def _unavailable(context: AuditContext, send: Send) -> None:
    body = json.dumps({"error": "AuditUnavailable", "detail": UNAVAILABLE_DETAIL}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", context.request_id.encode()),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _internal_error(context: AuditContext, send: Send) -> None:
    context.details["error"] = "InternalError"
    body = json.dumps(
        {"error": "InternalError", "detail": f"unexpected error; request id {context.request_id}"}
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _log_access(context: AuditContext, status: int, started: float) -> None:
    record: dict[str, Any] = {
        "request_id": context.request_id,
        "method": context.method,
        "path": context.path,
        "status": status,
        "actor": context.actor,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }
    log.info(json.dumps(record, ensure_ascii=False))
