"""The auditor's report on one dataset: who, for what purpose, how much ε, which extracts,
which denials (JSON or CSV)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from app.api.deps import DatabaseDep, SessionDep
from app.audit import report, service
from app.auth.actor import Actor
from app.auth.deps import require_roles
from app.http.threads import in_thread

router = APIRouter()
ReportReader = Annotated[Actor, Depends(require_roles("auditor", "admin", "agency"))]


@router.get(
    "/report",
    response_model=None,
    name="audit.report",
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def dataset_report(
    actor: ReportReader,
    _session: SessionDep,
    db: DatabaseDep,
    dataset_id: Annotated[str, Query(min_length=1, max_length=64)],
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> dict[str, Any] | Response:
    """Per actor: purposes, ε per day, extracts downloaded, denied attempts, action counts.

    Auditors and admins see any dataset; an agency sees its own organisation's.
    """
    built = await in_thread(service.dataset_report, db, actor, dataset_id)
    if format == "csv":
        return Response(report.to_csv(built), media_type="text/csv; charset=utf-8")
    return built
