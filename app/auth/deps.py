"""FastAPI dependencies: the authenticated actor and role checks."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from app.audit.context import audit_context
from app.auth.actor import Actor
from app.auth.key_cache import CachedKey, KeyCache
from app.auth.keys import parse_key, secret_matches
from app.db.session import Database
from app.errors import Forbidden, Unauthorized
from app.http.ratelimit import charge
from app.http.threads import in_thread
from app.repositories import principals as repo


def _bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    return token.strip()


async def _lookup(db: Database, keys: KeyCache, token: str) -> Actor:
    parsed = parse_key(token)
    if parsed is None:
        raise Unauthorized("invalid API key")
    key_id, secret = parsed
    cached = keys.get(key_id)
    if cached is None:
        cached = await in_thread(_load, db, keys, key_id)
    if cached is None or not secret_matches(secret, cached.secret_sha256):
        raise Unauthorized("invalid or revoked API key")
    return cached.actor


def _load(db: Database, keys: KeyCache, key_id: str) -> CachedKey | None:
    with db.reading() as session:
        found = repo.active_key_with_principal(session, key_id)
    if found is None:
        return None
    key, principal = found
    actor = Actor(principal.id, principal.name, principal.role, principal.org_id, key_id)
    keys.put(key_id, key.secret_sha256, actor)
    return CachedKey(key.secret_sha256, actor, 0.0)


async def current_actor(request: Request) -> Actor:
    """The caller behind the bearer key; 401 otherwise. Never logs or echoes the key.

    Async: a key verified a moment ago is checked without a thread hop (``KeyCache``).
    """
    state = request.app.state
    actor = await _lookup(state.db, state.key_cache, _bearer_token(request))
    context = audit_context(request)
    context.actor, context.role = actor.principal_id, actor.role
    charge(request, actor.key_id)  # per-key rate limit, once the key is verified
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require_roles(*roles: str) -> Callable[[Actor], Awaitable[Actor]]:
    async def _check(actor: CurrentActor) -> Actor:  # async: no thread hop for a comparison
        if actor.role not in roles:
            raise Forbidden(f"role '{actor.role}' may not do this; it needs {' or '.join(roles)}")
        return actor

    return _check


AdminActor = Annotated[Actor, Depends(require_roles("admin"))]
AgencyActor = Annotated[Actor, Depends(require_roles("agency"))]
ConsumerActor = Annotated[Actor, Depends(require_roles("consumer"))]
AuditorActor = Annotated[Actor, Depends(require_roles("auditor", "admin"))]
