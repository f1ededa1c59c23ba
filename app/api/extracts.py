"""Sanitized extracts: a consumer with an extract grant asks, waits for the job, downloads."""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import DatabaseDep, SessionDep, SettingsDep, after_commit
from app.audit.context import audit_context, receipt
from app.auth.deps import ConsumerActor
from app.db.models import Extract, Job
from app.errors import NotFound
from app.http.threads import in_thread
from app.repositories import jobs as job_repo
from app.services import extracts

router = APIRouter(prefix="/v1", tags=["extracts"])
ExtractId = Annotated[str, Path(max_length=64)]
MEDIA = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


class ExtractIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    columns: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=1000
    )
    format: Literal["csv", "parquet"] = "csv"


class ExtractOut(BaseModel):
    id: str
    job_id: str
    dataset_id: str
    grant_id: str
    version: int
    columns: list[str]
    format: str
    state: str
    progress: float
    error: str | None
    rows: int | None
    sha256: str | None
    size_bytes: int | None
    report: dict[str, Any]
    created_at: datetime


def _out(extract: Extract, job: Job | None) -> ExtractOut:
    return ExtractOut(
        id=extract.id,
        job_id=extract.job_id,
        dataset_id=extract.dataset_id,
        grant_id=extract.grant_id,
        version=extract.version,
        columns=extract.columns,
        format=extract.format,
        state=job.state if job else "unknown",
        progress=job.progress if job else 0.0,
        error=job.error if job else None,
        rows=extract.rows,
        sha256=extract.sha256,
        size_bytes=extract.size_bytes,
        report=extract.report,
        created_at=extract.created_at,
    )


@router.post(
    "/datasets/{dataset_id}/extracts",
    status_code=202,
    response_model=ExtractOut,
    name="extracts.create",
)
def create_extract(
    dataset_id: Annotated[str, Path(max_length=64)],
    body: ExtractIn,
    actor: ConsumerActor,
    session: SessionDep,
    db: DatabaseDep,
    request: Request,
) -> ExtractOut:
    """Queue a k-anonymous, masked extract of the published version (a background job)."""
    extract, job, grant = extracts.start(db, session, actor, dataset_id, body.columns, body.format)
    after_commit(request).append(request.app.state.jobs.kick)
    context = audit_context(request)
    context.resource = f"extract/{extract.id}"
    context.details.update(
        grant_id=grant.id,
        purpose=grant.purpose,
        job_id=job.id,
        columns=extract.columns,
        format=extract.format,
    )
    return _out(extract, job)


@router.get("/extracts/{extract_id}", response_model=ExtractOut, name="extracts.read")
def read_extract(extract_id: ExtractId, actor: ConsumerActor, session: SessionDep) -> ExtractOut:
    """State of the job, then the file's SHA-256 and what k-anonymity did."""
    extract = extracts.owned(session, actor, extract_id)
    return _out(extract, job_repo.get(session, extract.job_id))


@router.get(
    "/extracts/{extract_id}/download",
    response_class=FileResponse,
    name="extracts.download",
    responses={200: {"content": {media: {} for media in MEDIA.values()}}},
)
async def download_extract(
    extract_id: ExtractId,
    actor: ConsumerActor,
    session: SessionDep,
    db: DatabaseDep,
    cfg: SettingsDep,
    request: Request,
) -> FileResponse:
    """The file, while the grant lives; each download is an audit event with its SHA-256."""
    found = await in_thread(extracts.download, db, actor, extract_id, cfg.data_dir)
    extract, grant = found.extract, found.grant
    context = audit_context(request)
    context.resource, context.dataset_id = f"extract/{extract.id}", extract.dataset_id
    context.details.update(
        grant_id=grant.id, purpose=grant.purpose, sha256=extract.sha256, rows=extract.rows
    )
    stamp = await in_thread(receipt, request, session)
    if extract.sha256 is None:
        raise NotFound(f"extract {extract_id} has no file")
    return FileResponse(
        found.path,
        media_type=MEDIA[extract.format],
        filename=f"{extract.id}.{extract.format}",
        headers={
            "X-Content-SHA256": extract.sha256,
            "X-Audit-Event-Seq": str(stamp["event_seq"]),
            "X-Audit-Event-Hash": str(stamp["event_hash"]),
        },
    )
