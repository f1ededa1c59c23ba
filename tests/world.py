"""A small cast for tests: an admin, two agencies in two organisations, a consumer, an auditor."""

from dataclasses import dataclass

from app.db.session import Database
from app.services import principals


@dataclass
class World:
    admin: str
    agency: str
    other_agency: str
    consumer: str
    auditor: str
    org_id: str
    other_org_id: str
    agency_id: str


def build_world(db: Database) -> World:
    with db.transaction() as session:
        ops = principals.create_org(session, "Pazhou Operations")
        bureau = principals.create_org(session, "Guangzhou Market Regulation")
        other = principals.create_org(session, "Shenzhen Health Commission")
        company = principals.create_org(session, "Example AI Co")
        admin = principals.principal_with_key(session, ops.id, "admin", "root")
        agency = principals.principal_with_key(session, bureau.id, "agency", "gz agency")
        other_agency = principals.principal_with_key(session, other.id, "agency", "sz agency")
        consumer = principals.principal_with_key(session, company.id, "consumer", "analyst")
        auditor = principals.principal_with_key(session, ops.id, "auditor", "inspector")
    return World(
        admin=admin.key,
        agency=agency.key,
        other_agency=other_agency.key,
        consumer=consumer.key,
        auditor=auditor.key,
        org_id=bureau.id,
        other_org_id=other.id,
        agency_id=agency.principal_id,
    )


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
