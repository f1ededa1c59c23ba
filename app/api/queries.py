"""DP queries and previews (consumer with a dp_query grant)."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from app.api.deps import DatabaseDep, SessionDep, SettingsDep, in_transaction, rollback_hooks
from app.audit.chain import canonical_sha256
from app.audit.context import audit_context, receipt
from app.auth.actor import Actor
from app.auth.deps import ConsumerActor
from app.config import Settings
from app.db.session import Database
from app.http.threads import in_thread
from app.services import query_run
from policies.query import Query

router = APIRouter(prefix="/v1/datasets", tags=["queries"])
DatasetId = Annotated[str, Path(max_length=64)]


@router.post("/{dataset_id}/queries", name="queries.run", response_model=None)
async def run_query(
    dataset_id: DatasetId,
    query: Query,
    actor: ConsumerActor,
    request: Request,
) -> JSONResponse:
    """Noisy answer with its ε cost, remaining budgets, 95% half-widths and audit receipt."""
    # read from the app, not as dependencies: FastAPI's bookkeeping per dependency costs more
    db: Database = request.app.state.db
    cfg: Settings = request.app.state.settings

    def answer(session: Session) -> dict[str, Any]:
        return _answer_with_receipt(request, db, session, cfg, actor, dataset_id, query)

    # a JSON-ready dict: the standard encoder, not FastAPI's generic one (schema: openapi_answers)
    return JSONResponse(await in_transaction(request, answer))


def _answer_with_receipt(
    request: Request,
    db: Database,
    session: Session,
    cfg: Settings,
    actor: Actor,
    dataset_id: str,
    query: Query,
) -> dict[str, Any]:
    """The answer, committed with its audit event (one thread hop for the whole request)."""
    answer = query_run.run(db, session, cfg, actor, dataset_id, query)
    if not answer["cached"]:  # fail closed: no audit event, no answer, no ε spent
        query_id = answer["query_id"]
        rollback_hooks(request).append(lambda: query_run.refund_unreleased(db, query_id))
    context = audit_context(request)
    context.details.update(
        **answer.pop("audit"),
        query_hash=answer.pop("query_hash"),
        query_id=answer.get("query_id"),
        epsilon_spent=answer["epsilon_spent"],
        delta_spent=answer["delta_spent"],
        cached=answer["cached"],
        result_digest=canonical_sha256(answer["rows"]),
    )
    if answer["cached"]:  # nothing stored: the event is all there is to commit
        with db.record_sessions() as own:
            answer["receipt"] = receipt(request, own, alone=True)
    else:
        answer["receipt"] = receipt(request, session)
    return answer


@router.post("/{dataset_id}/queries/preview", name="queries.preview")
async def preview_query(
    dataset_id: DatasetId,
    query: Query,
    actor: ConsumerActor,
    _session: SessionDep,
    db: DatabaseDep,
    cfg: SettingsDep,
) -> dict[str, Any]:
    """What the query would cost and how accurate it would be; spends nothing."""
    return await in_thread(query_run.preview, db, cfg, actor, dataset_id, query)
