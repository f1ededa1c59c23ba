"""Datasets: create, list, read, and upload versions and batches (agency, own organisation)."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from app.api.deps import DatabaseDep, SessionDep, SettingsDep, after_commit, rollback_hooks
from app.audit.context import audit_context
from app.auth.actor import Actor
from app.auth.deps import AgencyActor
from app.config import Settings
from app.db.models import Dataset, DatasetVersion
from app.db.session import Database
from app.services import datasets as service
from app.services import ingest

router = APIRouter(prefix="/v1/datasets", tags=["datasets"])
DatasetId = Annotated[str, Path(max_length=64)]

_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in ("text/csv", "application/x-ndjson", "application/vnd.apache.parquet")
        },
    }
}


class DatasetIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)


class ColumnOut(BaseModel):
    name: str
    type: str


class VersionOut(BaseModel):
    dataset_id: str
    version: int
    kind: str
    rows: int
    added_rows: int
    columns: list[ColumnOut]
    sha256: str
    source_format: str
    source_bytes: int
    created_at: datetime
    scan_job_id: str | None = None


class DatasetOut(BaseModel):
    id: str
    org_id: str
    name: str
    description: str
    state: str
    current_version: int | None
    published_version: int | None = None
    created_at: datetime
    versions: list[VersionOut] = []


class DatasetPage(BaseModel):
    items: list[DatasetOut]
    next: str | None


def _version_out(version: DatasetVersion) -> VersionOut:
    return VersionOut.model_validate(version, from_attributes=True)


def _dataset_out(dataset: Dataset, versions: list[DatasetVersion] | None = None) -> DatasetOut:
    out = DatasetOut.model_validate(dataset, from_attributes=True)
    out.versions = [_version_out(v) for v in versions or []]
    return out


@router.post("", status_code=201, response_model=DatasetOut, name="datasets.create")
def create_dataset(
    body: DatasetIn, actor: AgencyActor, session: SessionDep, request: Request
) -> DatasetOut:
    dataset = service.create(session, actor, body.name, body.description)
    context = audit_context(request)
    context.resource, context.dataset_id = f"dataset/{dataset.id}", dataset.id
    return _dataset_out(dataset)


@router.get("", response_model=DatasetPage, name="datasets.list")
def list_datasets(
    actor: AgencyActor,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DatasetPage:
    rows, after = service.list_page(session, actor, cursor, limit)
    return DatasetPage(items=[_dataset_out(row) for row in rows], next=after)


@router.get("/{dataset_id}", response_model=DatasetOut, name="datasets.read")
def read_dataset(dataset_id: DatasetId, actor: AgencyActor, session: SessionDep) -> DatasetOut:
    dataset, versions = service.with_versions(session, actor, dataset_id)
    return _dataset_out(dataset, versions)


async def _upload(
    request: Request,
    actor: Actor,
    session: Session,
    db: Database,
    cfg: Settings,
    dataset_id: str,
    mode: ingest.Mode,
) -> VersionOut:
    done = await ingest.upload(request, db, session, cfg, actor, dataset_id, mode)
    rollback_hooks(request).append(lambda: done.part.unlink(missing_ok=True))
    after_commit(request).append(request.app.state.jobs.kick)
    context = audit_context(request)
    context.resource = f"dataset/{dataset_id}/versions/{done.version.version}"
    context.details.update(rows=done.version.added_rows, sha256=done.version.sha256, kind=mode)
    out = _version_out(done.version)
    out.scan_job_id = done.scan_job_id
    return out


@router.post(
    "/{dataset_id}/versions",
    status_code=201,
    response_model=VersionOut,
    name="datasets.upload_version",
    openapi_extra=_BODY_DOC,
)
async def upload_version(
    dataset_id: DatasetId,
    request: Request,
    actor: AgencyActor,
    session: SessionDep,
    db: DatabaseDep,
    cfg: SettingsDep,
) -> VersionOut:
    """Replace the data: the body is the whole file (CSV, JSON Lines or Parquet)."""
    return await _upload(request, actor, session, db, cfg, dataset_id, "replace")


@router.post(
    "/{dataset_id}/batches",
    status_code=201,
    response_model=VersionOut,
    name="datasets.append_batch",
    openapi_extra=_BODY_DOC,
)
async def append_batch(
    dataset_id: DatasetId,
    request: Request,
    actor: AgencyActor,
    session: SessionDep,
    db: DatabaseDep,
    cfg: SettingsDep,
) -> VersionOut:
    """Append rows as a new version; the columns must match the dataset's."""
    return await _upload(request, actor, session, db, cfg, dataset_id, "batch")
