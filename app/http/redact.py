"""API keys are kept out of URLs before anything records them.

A key belongs in the ``Authorization`` header. A client that puts one in a path or query
string (``?api_key=pz_…``) would otherwise see it copied into the audit log (resource, query
details), the access log and the server's request log. This middleware, outside the audit
middleware, rewrites the request's path and query string in place, replacing the secret part
of anything shaped like a key with ``REDACTED``; the key id stays, so the mistake can be traced.
"""

import re

from starlette.types import ASGIApp, Receive, Scope, Send

KEY_SHAPE = re.compile(r"pz_([0-9a-f]{16})_[A-Za-z0-9_-]{43}")
KEY_SHAPE_BYTES = re.compile(rb"pz_([0-9a-f]{16})_[A-Za-z0-9_-]{43}")


def redact(text: str) -> str:
    """``text`` with the secret of every key-shaped token replaced."""
    return KEY_SHAPE.sub(r"pz_\1_REDACTED", text)


def _redact_bytes(raw: bytes) -> bytes:
    return KEY_SHAPE_BYTES.sub(rb"pz_\1_REDACTED", raw)


class RedactKeysInUrlMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope["path"] = redact(scope["path"])
            if scope.get("raw_path"):
                scope["raw_path"] = _redact_bytes(scope["raw_path"])
            scope["query_string"] = _redact_bytes(scope.get("query_string", b""))
        await self.app(scope, receive, send)
