"""All ORM models, imported here so that ``Base.metadata`` knows every table."""

from app.db.models.audit import AuditEvent
from app.db.models.datasets import Dataset, DatasetVersion
from app.db.models.principals import ApiKey, Organisation, Principal

__all__ = ["ApiKey", "AuditEvent", "Dataset", "DatasetVersion", "Organisation", "Principal"]
