"""All ORM models, imported here so that ``Base.metadata`` knows every table."""

from app.db.models.audit import AuditEvent
from app.db.models.budget import DatasetBudget, Grant, QueryRecord
from app.db.models.datasets import Dataset, DatasetVersion
from app.db.models.jobs import Job
from app.db.models.principals import ApiKey, Organisation, Principal
from app.db.models.release import Classification, DatasetPolicy, PublishedVersion

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Classification",
    "Dataset",
    "DatasetBudget",
    "DatasetPolicy",
    "DatasetVersion",
    "Grant",
    "Job",
    "Organisation",
    "Principal",
    "PublishedVersion",
    "QueryRecord",
]
