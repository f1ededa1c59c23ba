"""The extract job: published rows → consumer's columns → re-keyed → k-anonymous → file.

Runs in the job worker. The slow part (read, generalize, write) happens outside any
transaction; the commit stores the file's name, SHA-256 and report on the extract row.
"""

import hashlib
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.models import Extract, Grant, PublishedVersion
from app.errors import Conflict
from app.jobs.runner import Commit, Handler, JobContext
from app.repositories import access as repo
from app.repositories import release as release_repo
from app.services.secrets import recipient_secret
from app.storage.area import DataArea
from policies.load import parse_mapping
from policies.schema import Policy


def _inputs(context: JobContext) -> tuple[Extract, Grant, PublishedVersion, Policy]:
    with context.db.reading() as session:
        extract = repo.extract_by_job(session, context.job_id)
        grant = session.get(Grant, extract.grant_id) if extract else None
        published = release_repo.published(session, context.dataset_id, context.version)
        policy_row = release_repo.current_policy(session, context.dataset_id)
    if extract is None or grant is None or published is None or policy_row is None:
        raise Conflict("the published version or the policy behind this extract is gone")
    return extract, grant, published, parse_mapping(policy_row.document)


def extract_handler(settings: Settings) -> Handler:
    def handle(context: JobContext) -> Commit:
        from app.services.extract_rules import anonymize, rekey  # the k-anonymity stack, on use

        extract, grant, published, policy = _inputs(context)
        area = DataArea(settings.data_dir)
        files = [area.absolute(part) for part in published.parts]
        table = pq.read_table(files[0] if len(files) == 1 else files, columns=extract.columns)
        context.progress(0.2)
        secret = recipient_secret(settings, extract.dataset_id, extract.consumer_id)
        table = rekey(table, published.plan, secret)
        context.progress(0.4)
        table, report = anonymize(table, policy, extract.format)
        context.progress(0.8)
        relative, digest, size = _write(area, extract, table)
        report.update(grant_id=grant.id, purpose=grant.purpose, extract_id=extract.id)

        def commit(session: Session) -> dict[str, Any]:
            row = session.get(Extract, extract.id)
            if row is None:
                area.absolute(relative).unlink(missing_ok=True)
                raise Conflict(f"extract {extract.id} was removed while it was built")
            row.file, row.sha256, row.size_bytes = relative, digest, size
            row.rows, row.report = table.num_rows, report
            session.flush()
            return {**report, "sha256": digest, "rows": table.num_rows}

        return commit

    return handle


def _write(area: DataArea, extract: Extract, table: pa.Table) -> tuple[str, str, int]:
    """Write under a temporary name, then rename: a half-written file is never served."""
    relative = f"extracts/{extract.dataset_id}/{extract.id}-{uuid.uuid4().hex}.{extract.format}"
    final = area.absolute(relative)
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_suffix(".tmp")
    try:
        if extract.format == "csv":
            pacsv.write_csv(table, temporary)
        else:
            pq.write_table(table, temporary, compression="zstd")
        digest, size = _sha256(temporary)
        temporary.rename(final)
    finally:
        temporary.unlink(missing_ok=True)
    return relative, digest, size


def _sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size
