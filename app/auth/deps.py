"""FastAPI dependencies: the authenticated actor and role checks."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from app.audit.context import audit_context
from app.auth.actor import Actor
from app.auth.keys import parse_key, secret_matches
from app.db.session import Database
from app.errors import Forbidden, Unauthorized
from app.http.ratelimit import charge
from app.repositories import principals as repo


def _bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    return token.strip()


def _lookup(db: Database, token: str) -> Actor:
    parsed = parse_key(token)
    if parsed is None:
        raise Unauthorized("invalid API key")
    key_id, secret = parsed
    with db.reading() as session:
        found = repo.active_key_with_principal(session, key_id)
    if found is None or not secret_matches(secret, found[0].secret_sha256):
        raise Unauthorized("invalid or revoked API key")
    principal = found[1]
    return Actor(principal.id, principal.name, principal.role, principal.org_id, key_id)


def current_actor(request: Request) -> Actor:
    """The caller behind the bearer key; 401 otherwise. Never logs or echoes the key."""
    actor = _lookup(request.app.state.db, _bearer_token(request))
    context = audit_context(request)
    context.actor, context.role = actor.principal_id, actor.role
    charge(request, actor.key_id)  # per-key rate limit, once the key is verified
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require_roles(*roles: str) -> Callable[[Actor], Actor]:
    def _check(actor: CurrentActor) -> Actor:
        if actor.role not in roles:
            raise Forbidden(f"role '{actor.role}' may not do this; it needs {' or '.join(roles)}")
        return actor

    return _check


AdminActor = Annotated[Actor, Depends(require_roles("admin"))]
AgencyActor = Annotated[Actor, Depends(require_roles("agency"))]
ConsumerActor = Annotated[Actor, Depends(require_roles("consumer"))]
AuditorActor = Annotated[Actor, Depends(require_roles("auditor", "admin"))]
