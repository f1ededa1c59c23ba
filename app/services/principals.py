"""Organisations, principals and keys: created by admins (API) or on the command line."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.auth.keys import generate_key, hash_secret
from app.db.base import utcnow
from app.db.ids import new_id
from app.db.models import ApiKey, Organisation, Principal
from app.db.models.principals import Role
from app.errors import Conflict, InvalidInput, NotFound
from app.repositories import principals as repo


@dataclass(frozen=True)
class IssuedKey:
    key_id: str
    key: str
    principal_id: str


def create_org(session: Session, name: str) -> Organisation:
    if repo.org_by_name(session, name) is not None:
        raise Conflict(f"an organisation named '{name}' already exists", field="name")
    org = Organisation(id=new_id("org"), name=name, created_at=utcnow())
    repo.add(session, org)
    return org


def create_principal(session: Session, name: str, role: str, org_id: str) -> Principal:
    if role not in set(Role):
        raise InvalidInput(f"unknown role '{role}'; use one of {', '.join(Role)}", field="role")
    if repo.get_org(session, org_id) is None:
        raise InvalidInput(f"organisation {org_id} does not exist", field="org_id")
    principal = Principal(
        id=new_id("prn"), name=name, role=role, org_id=org_id, created_at=utcnow()
    )
    repo.add(session, principal)
    return principal


def issue_key(session: Session, principal_id: str) -> IssuedKey:
    """A new key for the principal; the full key exists only in the returned value."""
    if repo.get_principal(session, principal_id) is None:
        raise NotFound(f"principal {principal_id} does not exist")
    new = generate_key()
    repo.add(
        session,
        ApiKey(
            id=new.key_id,
            principal_id=principal_id,
            secret_sha256=hash_secret(new.secret),
            created_at=utcnow(),
        ),
    )
    return IssuedKey(key_id=new.key_id, key=new.token, principal_id=principal_id)


def revoke_key(session: Session, key_id: str) -> ApiKey:
    key = repo.get_key(session, key_id)
    if key is None:
        raise NotFound(f"key {key_id} does not exist")
    if key.revoked_at is None:
        repo.revoke_key(key, utcnow())
        session.flush()
    return key


def principal_with_key(session: Session, org_id: str, role: str, name: str) -> IssuedKey:
    principal = create_principal(session, name=name, role=role, org_id=org_id)
    return issue_key(session, principal.id)


def ensure_org(session: Session, name: str) -> Organisation:
    return repo.org_by_name(session, name) or create_org(session, name)
