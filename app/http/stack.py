"""The middleware stack around the routers, in one place because its order matters.

From the outside in (Starlette runs the last added first):

1. ``SecurityHeadersMiddleware`` – outermost, so every response carries the headers, even the
   audit middleware's own 500/503 answers.
2. ``CorsMiddleware`` – answers preflights (unaudited: no key, no action) and marks responses
   for allowed origins, errors included.
3. ``RedactKeysInUrlMiddleware`` – before the audit middleware reads the path and query.
4. ``AuditMiddleware`` – request id, one audit event per ``/v1`` request.
5. ``BodyLimitMiddleware`` – inside the audit middleware, so a ``413`` is an audited request.

The per-key rate limit is not a middleware: it is charged in authentication, once the key is
verified (``app.http.ratelimit``), so a ``429`` is audited with its actor.
"""

from fastapi import FastAPI

from app.audit.middleware import AuditMiddleware
from app.config import Settings
from app.http.body_limit import BodyLimitMiddleware
from app.http.cors import CorsMiddleware, parse_origins
from app.http.headers import SecurityHeadersMiddleware
from app.http.ratelimit import RateLimiter
from app.http.redact import RedactKeysInUrlMiddleware


def install_http_stack(app: FastAPI, settings: Settings) -> None:
    """The audit middleware and the guards around it, plus this process's rate limiter."""
    origins = parse_origins(settings.cors_allow_origins)  # a bad entry stops the start here
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_json_body_bytes)
    app.add_middleware(AuditMiddleware)
    app.add_middleware(RedactKeysInUrlMiddleware)
    app.add_middleware(CorsMiddleware, allow_origins=origins)
    app.add_middleware(SecurityHeadersMiddleware, hsts_seconds=settings.hsts_seconds)
