"""Uploads: a body becomes a sealed Parquet part in quarantine and a new dataset version.

The slow part (receiving and converting) runs before the write transaction, so a large
upload never holds a database lock. The part is sealed (AES-256-GCM under a fresh data key
wrapped by the active data key, ``app.crypto``) and written under a ``.partial`` name until it
is complete. The version row and the audit event commit together; the caller deletes the
part if that commit does not happen.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyarrow as pa
from fastapi import Request
from sqlalchemy.orm import Session

from app.auth.actor import Actor
from app.config import Settings
from app.crypto.keyring import Keyring
from app.crypto.source import keys_for
from app.db.base import utcnow
from app.db.models import DatasetVersion
from app.db.session import Database
from app.errors import Conflict, SchemaMismatch
from app.http.threads import in_thread
from app.repositories import datasets as repo
from app.repositories import jobs as job_repo
from app.services.datasets import get_owned
from app.storage.area import DataArea
from app.storage.columns import describe
from app.storage.convert import to_parquet
from app.storage.formats import SourceFormat, parse_content_type
from app.storage.read import schema as part_schema
from app.storage.result import Converted
from app.storage.upload import Received, receive_body

Mode = Literal["replace", "batch"]


@dataclass(frozen=True)
class Baseline:
    """The version a batch appends to (its schema must be matched), or nothing."""

    version: int | None
    schema: pa.Schema | None


@dataclass(frozen=True)
class Ingested:
    version: DatasetVersion
    part: Path
    scan_job_id: str


def _baseline(db: Database, area: DataArea, actor: Actor, dataset_id: str, mode: Mode) -> Baseline:
    with db.reading() as session:
        dataset = get_owned(session, actor, dataset_id)
        if mode == "replace":
            return Baseline(None, None)
        latest = dataset.current_version
        current = repo.version(session, dataset_id, latest) if latest else None
    if current is None:
        raise Conflict("the dataset has no version yet: upload one with POST .../versions first")
    return Baseline(current.version, part_schema(area.absolute(current.parts[0])))


async def upload(
    request: Request,
    db: Database,
    session: Session,
    settings: Settings,
    actor: Actor,
    dataset_id: str,
    mode: Mode,
) -> Ingested:
    fmt = parse_content_type(request.headers.get("content-type"))
    area = DataArea(settings.data_dir)
    ring = await in_thread(keys_for, settings)
    base = await in_thread(_baseline, db, area, actor, dataset_id, mode)
    body_path = area.upload_path()
    relative = area.new_quarantine_part(dataset_id)
    part = area.absolute(relative)
    staging = part.with_name(part.name + ".partial")
    try:
        received = await receive_body(request, body_path, settings.max_upload_bytes)
        converted = await in_thread(_convert, body_path, fmt, staging, part, base, settings, ring)
        version = await in_thread(
            _record, session, actor, dataset_id, mode, relative, received, converted, fmt
        )
    except BaseException:
        part.unlink(missing_ok=True)
        staging.unlink(missing_ok=True)
        raise
    finally:
        body_path.unlink(missing_ok=True)
        pa.default_memory_pool().release_unused()  # Arrow keeps freed blocks otherwise
    scan = await in_thread(
        job_repo.enqueue, session, "scan", dataset_id, version.version, actor.principal_id
    )
    return Ingested(version, part, scan.id)


def _convert(
    body: Path,
    fmt: SourceFormat,
    staging: Path,
    part: Path,
    base: Baseline,
    settings: Settings,
    ring: Keyring,
) -> Converted:
    """Seal the converted body under ``staging``; only a complete part gets its real name
    (key rotation re-wraps ``*.parquet`` files, never one still being written)."""
    converted = to_parquet(body, fmt, staging, base.schema, settings.max_columns, ring)
    staging.replace(part)
    return converted


def _record(
    session: Session,
    actor: Actor,
    dataset_id: str,
    mode: Mode,
    relative: str,
    received: Received,
    converted: Converted,
    fmt: SourceFormat,
) -> DatasetVersion:
    dataset = get_owned(session, actor, dataset_id, lock=True)
    latest = repo.version(session, dataset_id, dataset.current_version or 0)
    rows, parts = converted.rows, [relative]
    columns = describe(converted.schema)
    if mode == "batch" and latest is not None:
        if latest.columns != columns:
            raise SchemaMismatch("the dataset's schema changed while this batch was uploading")
        rows, parts = latest.rows + converted.rows, [*latest.parts, relative]
    number = (dataset.current_version or 0) + 1
    version = DatasetVersion(
        dataset_id=dataset_id,
        version=number,
        kind=mode,
        rows=rows,
        added_rows=converted.rows,
        columns=columns,
        parts=parts,
        sha256=received.sha256,
        source_format=fmt.kind,
        source_bytes=received.size,
        created_by=actor.principal_id,
        created_at=utcnow(),
    )
    repo.add(session, version)
    dataset.current_version, dataset.state = number, "quarantined"
    session.flush()
    return version
