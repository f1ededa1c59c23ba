"""Request bodies other than dataset uploads are capped (``PAZHOU_MAX_JSON_BODY_BYTES``).

A declared ``Content-Length`` over the cap is refused before a byte of the body is read; a
body without one (chunked) is counted as it arrives and refused as soon as it passes the cap,
so a 10 MB query never sits in memory. The refusal is an ``HTTPException`` raised from
``receive``: FastAPI lets it through its body parsing, and the error handler answers
``413 PayloadTooLarge`` in the contract's shape. This middleware sits inside the audit
middleware, so the refusal is an audited request like any other.

Dataset uploads stream to disk under their own cap (``PAZHOU_MAX_UPLOAD_BYTES``, enforced by
``app.services.ingest``); ``UPLOAD_PATHS`` names them, and a test checks that it matches
exactly the routes that declare a file body.
"""

import re

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UPLOAD_PATHS = re.compile(r"^/v1/datasets/[^/]+/(versions|batches)$")


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is larger than {limit} bytes")


def declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def is_upload(scope: Scope) -> bool:
    return scope["method"] == "POST" and UPLOAD_PATHS.match(scope["path"]) is not None


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_upload(scope):
            await self.app(scope, receive, send)
            return
        limit, declared = self.max_bytes, declared_length(scope)
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)
