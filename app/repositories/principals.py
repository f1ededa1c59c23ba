"""Organisations, principals and API keys."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import ApiKey, Organisation, Principal


def active_key_with_principal(session: Session, key_id: str) -> tuple[ApiKey, Principal] | None:
    row = session.execute(
        select(ApiKey, Principal)
        .join(Principal, Principal.id == ApiKey.principal_id)
        .where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
        .execution_options(prepare=True)  # every key, once a second (app.auth.key_cache)
    ).first()
    return (row[0], row[1]) if row else None


def get_org(session: Session, org_id: str) -> Organisation | None:
    return session.get(Organisation, org_id)


def org_by_name(session: Session, name: str) -> Organisation | None:
    return session.scalars(select(Organisation).where(Organisation.name == name)).first()


def get_principal(session: Session, principal_id: str) -> Principal | None:
    return session.get(Principal, principal_id)


def get_key(session: Session, key_id: str) -> ApiKey | None:
    return session.get(ApiKey, key_id)


def add(session: Session, row: Organisation | Principal | ApiKey) -> None:
    session.add(row)
    session.flush()


def revoke_key(key: ApiKey, when: datetime) -> None:
    key.revoked_at = when


def any_admin(session: Session) -> Principal | None:
    return session.scalars(select(Principal).where(Principal.role == "admin").limit(1)).first()
