"""Classification review, policy, publish (agency, own organisation), and job status."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import SessionDep, after_commit
from app.audit.context import audit_context
from app.auth.deps import AgencyActor, CurrentActor
from app.db.models import Job
from app.http.threads import in_thread
from app.services import classification, policy, release

router = APIRouter(prefix="/v1", tags=["release"])
DatasetId = Annotated[str, Path(max_length=64)]
VersionNo = Annotated[int, Path(ge=1, le=2**31 - 1)]

_POLICY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/yaml": {"schema": {"type": "string"}},
        },
    }
}


class ClassificationOut(BaseModel):
    dataset_id: str
    version: int
    columns: list[dict[str, Any]]


class ColumnChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entity: str | None = None
    category: str | None = None
    operator: str | None = None
    params: dict[str, Any] | None = None


class ClassificationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    columns: dict[str, ColumnChange]


class PolicyOut(BaseModel):
    dataset_id: str
    sha256: str
    policy: dict[str, Any]


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1, le=2**31 - 1)


class JobOut(BaseModel):
    id: str
    job_id: str
    kind: str
    state: str
    progress: float
    error: str | None
    dataset_id: str
    version: int
    result: dict[str, Any]
    created_at: datetime
    finished_at: datetime | None


def _job_out(job: Job) -> JobOut:
    return JobOut(
        id=job.id,
        job_id=job.id,
        kind=job.kind,
        state=job.state,
        progress=job.progress,
        error=job.error,
        dataset_id=job.dataset_id,
        version=job.version,
        result=job.result or {},
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


@router.get(
    "/datasets/{dataset_id}/versions/{version}/classification",
    response_model=ClassificationOut,
    name="classification.read",
)
def read_classification(
    dataset_id: DatasetId, version: VersionNo, actor: AgencyActor, session: SessionDep
) -> ClassificationOut:
    columns = classification.read(session, actor, dataset_id, version)
    return ClassificationOut(dataset_id=dataset_id, version=version, columns=columns)


@router.patch(
    "/datasets/{dataset_id}/versions/{version}/classification",
    response_model=ClassificationOut,
    name="classification.override",
)
def override_classification(
    dataset_id: DatasetId,
    version: VersionNo,
    body: ClassificationPatch,
    actor: AgencyActor,
    session: SessionDep,
    request: Request,
) -> ClassificationOut:
    changes = {name: c.model_dump(exclude_unset=True) for name, c in body.columns.items()}
    columns = classification.override(session, actor, dataset_id, version, changes)
    audit_context(request).details["changes"] = changes
    return ClassificationOut(dataset_id=dataset_id, version=version, columns=columns)


@router.put(
    "/datasets/{dataset_id}/policy",
    response_model=PolicyOut,
    name="policy.put",
    openapi_extra=_POLICY_DOC,
)
async def put_policy(
    dataset_id: DatasetId, request: Request, actor: AgencyActor, session: SessionDep
) -> PolicyOut:
    body, media = await request.body(), request.headers.get("content-type")
    row = await in_thread(policy.put, session, actor, dataset_id, body, media)
    audit_context(request).details["policy_sha256"] = row.sha256
    return PolicyOut.model_validate(policy.summary(row))


@router.get("/datasets/{dataset_id}/policy", response_model=PolicyOut, name="policy.read")
def read_policy(dataset_id: DatasetId, actor: AgencyActor, session: SessionDep) -> PolicyOut:
    return PolicyOut.model_validate(policy.summary(policy.read(session, actor, dataset_id)))


@router.post(
    "/datasets/{dataset_id}/publish", status_code=202, response_model=JobOut, name="publish"
)
def publish(
    dataset_id: DatasetId,
    body: Annotated[PublishIn, Body()],
    actor: AgencyActor,
    session: SessionDep,
    request: Request,
) -> JobOut:
    job = release.start_publish(session, actor, dataset_id, body.version)
    after_commit(request).append(request.app.state.jobs.kick)
    audit_context(request).details.update(version=body.version, job_id=job.id)
    return _job_out(job)


@router.get("/jobs/{job_id}", response_model=JobOut, name="jobs.read")
def read_job(
    job_id: Annotated[str, Path(max_length=64)], actor: CurrentActor, session: SessionDep
) -> JobOut:
    return _job_out(release.job_of(session, actor, job_id))
