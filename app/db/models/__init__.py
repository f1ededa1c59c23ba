"""All ORM models, imported here so that ``Base.metadata`` knows every table."""

from app.db.models.access import AccessRequest, Extract
from app.db.models.audit import AuditCheckpoint, AuditEvent, AuditKey, AuditNode
from app.db.models.budget import DatasetBudget, Grant, QueryRecord
from app.db.models.datasets import Dataset, DatasetVersion
from app.db.models.jobs import Job
from app.db.models.principals import ApiKey, Organisation, Principal
from app.db.models.release import Classification, DatasetPolicy, PublishedVersion

__all__ = [
    "AccessRequest",
    "ApiKey",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditKey",
    "AuditNode",
    "Classification",
    "Dataset",
    "DatasetBudget",
    "DatasetPolicy",
    "DatasetVersion",
    "Extract",
    "Grant",
    "Job",
    "Organisation",
    "Principal",
    "PublishedVersion",
    "QueryRecord",
]
