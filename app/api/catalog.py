"""The catalog of published datasets, for consumers choosing what to ask for."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from app.api.deps import read_then_record
from app.auth.actor import Actor
from app.auth.deps import require_roles
from app.services import catalog

router = APIRouter(prefix="/v1/catalog", tags=["catalog"])
CatalogReader = Annotated[Actor, Depends(require_roles("consumer", "agency", "auditor"))]


# The services build JSON-ready dicts: the standard encoder (JSONResponse) skips FastAPI's
# generic one, which walked every mock-sample cell; the schema is declared in openapi_answers.
@router.get("", name="catalog.list", response_model=None)
async def list_catalog(
    _actor: CatalogReader,
    request: Request,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> JSONResponse:
    """Published datasets: sanitized schema, policy summary and a synthetic mock sample."""
    items, after = await read_then_record(
        request, lambda session: catalog.page(session, cursor, limit)
    )
    return JSONResponse({"items": items, "next": after})


@router.get("/{dataset_id}", name="catalog.read", response_model=None)
async def read_entry(
    dataset_id: Annotated[str, Path(max_length=64)],
    _actor: CatalogReader,
    request: Request,
) -> JSONResponse:
    entry = await read_then_record(request, lambda session: catalog.one(session, dataset_id))
    return JSONResponse(entry)
