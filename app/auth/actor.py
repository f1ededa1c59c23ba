"""Who is calling: an immutable snapshot of the authenticated principal."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    principal_id: str
    name: str
    role: str
    org_id: str
    key_id: str
