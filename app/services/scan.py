"""The scan job: classify a version's columns from a bounded sample."""

from typing import Any

from sqlalchemy.orm import Session

from app.config import Settings
from app.jobs.runner import Commit, Handler, JobContext
from app.repositories import datasets as dataset_repo
from app.repositories import release as repo
from app.storage.area import DataArea
from app.storage.read import sample

SCAN_SAMPLE_ROWS = 1000


def scan_handler(settings: Settings) -> Handler:
    def handle(context: JobContext) -> Commit:
        with context.db.reading() as session:
            version = dataset_repo.version(session, context.dataset_id, context.version)
        if version is None:
            raise LookupError(f"version {context.version} of {context.dataset_id} is gone")
        area = DataArea(settings.data_dir)
        table = sample([area.absolute(part) for part in version.parts], SCAN_SAMPLE_ROWS)
        context.progress(0.3)
        from anonymizers.classify import classify_table  # the detection stack, on first scan

        found = classify_table(table, SCAN_SAMPLE_ROWS, ner_model=settings.ner_model)
        reports = [report.as_dict() for report in found]

        def commit(session: Session) -> dict[str, Any]:
            repo.save_classification(session, context.dataset_id, context.version, reports)
            found = [r["name"] for r in reports if r["category"] != "other"]
            return {"columns": len(reports), "personal_columns": found}

        return commit

    return handle
