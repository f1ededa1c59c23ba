"""Security headers on every response, errors and ``/docs`` included.

- ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``, ``Referrer-Policy: no-referrer``
- ``Content-Security-Policy``: the API serves no active content, so ``default-src 'none'``.
  The documentation pages (``/docs``, ``/redoc``) load Swagger UI / ReDoc from jsDelivr and run
  one inline script: their policy allows exactly those hosts and the inline script by its
  SHA-256 (computed from the page as sent); styles need ``'unsafe-inline'`` (the UIs set style
  attributes). Nothing may frame any page (``frame-ancestors 'none'``).
- ``Cache-Control: no-store`` on every ``/v1`` response (answers, errors, downloads).
- ``Strict-Transport-Security`` when ``PAZHOU_HSTS_SECONDS`` > 0 (behind TLS).

This middleware is the outermost, so the audit middleware's own 500/503 answers carry them too.
"""

import base64
import hashlib
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_EMBEDDING = "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
API_CSP = f"default-src 'none'; {NO_EMBEDDING}"
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
DOCS_SOURCES = {
    "script-src": "https://cdn.jsdelivr.net",
    "style-src": "'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com",
    "img-src": "'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
    "font-src": "https://fonts.gstatic.com",
    "connect-src": "'self'",
    "worker-src": "blob:",
}
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def docs_csp(page: bytes) -> str:
    """The documentation pages' policy: their CDN hosts, and their inline scripts by hash."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(page)
    ]
    sources = dict(DOCS_SOURCES)
    sources["script-src"] = " ".join([*hashes, sources["script-src"]])
    directives = [f"{name} {value}" for name, value in sources.items()]
    return "; ".join(["default-src 'none'", *directives, NO_EMBEDDING])


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, hsts_seconds: int = 0) -> None:
        self.app, self.hsts_seconds = app, hsts_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in DOCS_PATHS:
            await self.app(scope, receive, self._docs_sender(scope, send))
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._stamp(scope, message, API_CSP)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _docs_sender(self, scope: Scope, send: Send) -> Send:
        """Hold the (small) page until it is complete, then send it with its policy."""
        held: list[Message] = []

        async def send_docs(message: Message) -> None:
            held.append(message)
            if message["type"] != "http.response.body" or message.get("more_body", False):
                return
            page = b"".join(m.get("body", b"") for m in held[1:])
            self._stamp(scope, held[0], docs_csp(page))
            for pending in held:
                await send(pending)

        return send_docs

    def _stamp(self, scope: Scope, start: Message, csp: str) -> None:
        """Set the headers, replacing any the response had (one pass over its headers)."""
        ours = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"content-security-policy", csp.encode("latin-1")),
        ]
        if scope["path"].startswith("/v1"):
            ours.append((b"cache-control", b"no-store"))
        if self.hsts_seconds > 0:
            hsts = f"max-age={self.hsts_seconds}; includeSubDomains"
            ours.append((b"strict-transport-security", hsts.encode("latin-1")))
        names = {name for name, _ in ours}
        kept = [
            (name, value) for name, value in start.get("headers", ()) if name.lower() not in names
        ]
        start["headers"] = kept + ours
