"""Liveness and readiness (outside ``/v1``: no key, not audited)."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.db.session import Database

router = APIRouter(tags=["health"])


@router.get("/healthz", name="health.live")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", name="health.ready", response_model=None)
def readyz(request: Request) -> dict[str, str] | JSONResponse:
    db: Database = request.app.state.db
    try:
        with db.reading() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        detail = f"database: {type(exc).__name__}"
        body = {"status": "unavailable", "error": "DatabaseUnavailable", "detail": detail}
        return JSONResponse(body, status_code=503)
    return {"status": "ok"}
