"""The classification report of a version, and the agency's overrides."""

from typing import Any

from sqlalchemy.orm import Session

from anonymizers.operators import OperatorError, make_operator
from anonymizers.plan import merged_report
from anonymizers.vocabulary import CATEGORIES, known_entities
from app.auth.actor import Actor
from app.db.models import Classification
from app.errors import Conflict, InvalidInput, NotFound
from app.repositories import datasets as dataset_repo
from app.repositories import jobs as job_repo
from app.repositories import release as repo
from app.services.datasets import get_owned


def _report(session: Session, actor: Actor, dataset_id: str, version: int) -> Classification:
    get_owned(session, actor, dataset_id)
    if dataset_repo.version(session, dataset_id, version) is None:
        raise NotFound(f"dataset {dataset_id} has no version {version}")
    report = repo.classification(session, dataset_id, version)
    if report is None:
        job = job_repo.latest_for_version(session, dataset_id, version, "scan")
        state = job.state if job else "missing"
        detail = job.error if job and job.error else "wait for it to finish"
        raise Conflict(
            f"the scan of version {version} is {state}: {detail}",
            scan_job_id=job.id if job else None,
        )
    return report


def read(session: Session, actor: Actor, dataset_id: str, version: int) -> list[dict[str, Any]]:
    report = _report(session, actor, dataset_id, version)
    return merged_report(report.columns, report.overrides)


def override(
    session: Session,
    actor: Actor,
    dataset_id: str,
    version: int,
    changes: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """Lay the agency's decisions over the scan's; every change is checked before any is kept."""
    report = _report(session, actor, dataset_id, version)
    names = {column["name"]: column for column in report.columns}
    merged = dict(report.overrides)
    for name, change in changes.items():
        if name not in names:
            raise InvalidInput(f"version {version} has no column '{name}'", field=f"columns.{name}")
        _check_change(name, change, {**names[name], **merged.get(name, {})})
        merged[name] = {**merged.get(name, {}), **change}
    report.overrides = merged
    session.flush()
    return merged_report(report.columns, report.overrides)


def _check_change(name: str, change: dict[str, Any], current: dict[str, Any]) -> None:
    field = f"columns.{name}"
    entity = change.get("entity")
    if entity is not None and entity not in known_entities():
        raise InvalidInput(f"unknown entity '{entity}'", field=f"{field}.entity")
    category = change.get("category")
    if category is not None and category not in CATEGORIES:
        known = ", ".join(CATEGORIES)
        raise InvalidInput(f"unknown category '{category}'; use {known}", field=f"{field}.category")
    if "operator" in change or "params" in change:
        operator = change.get("operator", current.get("operator"))
        params = change.get("params", {} if "operator" in change else current.get("params", {}))
        try:
            make_operator(str(operator), params or {})
        except OperatorError as exc:
            raise InvalidInput(str(exc), field=f"{field}.operator") from exc
        if "operator" in change and "params" not in change:
            change["params"] = params or {}
