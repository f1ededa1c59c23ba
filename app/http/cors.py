"""CORS, closed by default: no ``Access-Control-Allow-Origin`` anywhere, preflights refused.

``PAZHOU_CORS_ALLOW_ORIGINS`` (comma-separated ``scheme://host[:port]``) opens the API to
those browser origins only: their preflights get ``204`` with the allowed methods and
headers, their responses (errors included) ``Access-Control-Allow-Origin: <origin>``. No
wildcard, and no credentials mode: the API authenticates with bearer keys, never cookies.
A refused preflight is ``403`` in the error shape. Preflights are answered here, outside the
audit middleware: they carry no key and cause no action.
"""

import json
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?$")
ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE"
ALLOW_HEADERS = "Authorization, Content-Type, X-Request-ID"
EXPOSE_HEADERS = (
    "X-Request-ID, Retry-After, X-Content-SHA256, X-Audit-Event-Seq, X-Audit-Event-Hash"
)
PREFLIGHT_MAX_AGE = "600"


def parse_origins(setting: str) -> frozenset[str]:
    """The allow-list; a malformed entry (or ``*``) stops the service at start."""
    origins = [part.strip().lower().rstrip("/") for part in setting.split(",") if part.strip()]
    for origin in origins:
        if not _ORIGIN.match(origin):
            raise ValueError(f"PAZHOU_CORS_ALLOW_ORIGINS: {origin!r} is not scheme://host[:port]")
    return frozenset(origins)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            text: str = value.decode("latin-1")
            return text
    return None


class CorsMiddleware:
    def __init__(self, app: ASGIApp, allow_origins: frozenset[str] = frozenset()) -> None:
        self.app, self.origins = app, allow_origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = _header(scope, b"origin") if scope["type"] == "http" else None
        if origin is None:
            await self.app(scope, receive, send)
            return
        allowed = origin.lower() in self.origins
        if scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method"):
            await (_preflight_allowed(origin, send) if allowed else _preflight_refused(send))
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start" and self.origins:
                headers = MutableHeaders(scope=message)
                headers.append("Vary", "Origin")
                if allowed:
                    headers["Access-Control-Allow-Origin"] = origin
                    headers["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_cors)


async def _preflight_allowed(origin: str, send: Send) -> None:
    headers = [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-allow-methods", ALLOW_METHODS.encode()),
        (b"access-control-allow-headers", ALLOW_HEADERS.encode()),
        (b"access-control-max-age", PREFLIGHT_MAX_AGE.encode()),
        (b"vary", b"Origin"),
        (b"content-length", b"0"),
    ]
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


async def _preflight_refused(send: Send) -> None:
    body = json.dumps(
        {"error": "Forbidden", "detail": "cross-origin requests from this origin are not allowed"}
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": body})
