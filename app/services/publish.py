"""Publishing: apply the masking plan to a whole version and write the sanitized copy.

All or nothing: the sanitized Parquet file is written under a temporary name, and only a
successful commit of the published-version row makes it visible; any failing column fails
the job, names the column, and leaves nothing behind.
"""

import uuid
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from anonymizers.operators import MaskContext
from anonymizers.plan import (
    PlanError,
    apply_plan,
    build_plan,
    check_plan,
    describe_plan,
    merged_report,
    person_key,
)
from app.config import Settings
from app.db.base import utcnow
from app.db.models import PublishedVersion
from app.engine import native
from app.errors import Conflict, InvalidInput
from app.jobs.runner import Commit, Handler, JobContext
from app.repositories import datasets as dataset_repo
from app.repositories import release as repo
from app.services.secrets import dataset_secret
from app.storage.area import DataArea
from app.storage.columns import describe
from app.storage.read import whole


def span_finder(texts: Any) -> list[list[tuple[str, int, int]]]:
    """The bulk detector (same patterns and validators as the presidio recognizers, tuned for
    throughput and recall, on both cores for large batches) for ``replace_spans``.

    Imported here, not at start: the detection stack (presidio, dictionaries) costs memory
    that a server which only ingests should not pay.
    """
    from anonymizers.engine import bulk_span_finder

    return bulk_span_finder(list(texts))


def text_masker(texts: Any, known: Any, params: Any, secret: bytes) -> Any:
    """``replace_spans`` on whole free-text columns in the span workers, started before the
    other columns are masked (:func:`anonymizers.bulk_text.text_masker`; imported on use)."""
    from anonymizers.bulk_text import text_masker as start

    return start(texts, known, params, secret)


def _inputs(context: JobContext) -> tuple[Any, list[dict[str, Any]], dict[str, Any], str | None]:
    with context.db.reading() as session:
        version = dataset_repo.version(session, context.dataset_id, context.version)
        report = repo.classification(session, context.dataset_id, context.version)
        policy = repo.current_policy(session, context.dataset_id)
    if version is None or report is None:
        raise Conflict(f"version {context.version} has no finished scan; wait for it")
    columns = merged_report(report.columns, report.overrides)
    policy_columns = policy.document.get("columns", {}) if policy else {}
    return version, columns, policy_columns, (policy.sha256 if policy else None)


def publish_handler(settings: Settings) -> Handler:
    def handle(context: JobContext) -> Commit:
        version, report, policy_columns, policy_sha = _inputs(context)
        wanted = {
            name: (entry.get("operator"), entry.get("params") or {})
            for name, entry in policy_columns.items()
        }
        steps = build_plan([c["name"] for c in version.columns], report, wanted)
        area = DataArea(settings.data_dir)
        try:
            check_plan(steps)
            table = whole([area.absolute(part) for part in version.parts])
            mask = MaskContext(
                secret=dataset_secret(settings, context.dataset_id),
                person_ids=person_key(table, steps),
                span_finder=span_finder,
                text_masker=text_masker,
            )
            sanitized = apply_plan(table, steps, mask, lambda f: context.progress(0.1 + 0.8 * f))
        except PlanError as exc:
            raise InvalidInput(f"nothing was published: {exc}", column=exc.column) from exc
        relative, final = _write(area, context, sanitized)

        def commit(session: Session) -> dict[str, Any]:
            return _record(session, context, sanitized, relative, final, steps, policy_sha)

        return commit

    return handle


def _write(area: DataArea, context: JobContext, table: Any) -> tuple[str, Path]:
    relative = f"published/{context.dataset_id}/v{context.version}-{uuid.uuid4().hex}.parquet"
    final = area.absolute(relative)
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_suffix(".tmp")
    try:
        pq.write_table(table, temporary, compression="zstd")
        temporary.rename(final)
        native.build(final)
    except BaseException:
        _discard(final)
        raise
    finally:
        temporary.unlink(missing_ok=True)
    return relative, final


def _discard(final: Path) -> None:
    final.unlink(missing_ok=True)
    native.engine_file(final).unlink(missing_ok=True)


def _record(
    session: Session,
    context: JobContext,
    table: Any,
    relative: str,
    final: Path,
    steps: Any,
    policy_sha: str | None,
) -> dict[str, Any]:
    try:
        dataset = dataset_repo.get_by_id(session, context.dataset_id, lock=True)
        previous = repo.published(session, context.dataset_id, context.version)
        if previous is not None:
            session.delete(previous)
            session.flush()
        repo.add(
            session,
            PublishedVersion(
                dataset_id=context.dataset_id,
                version=context.version,
                rows=table.num_rows,
                columns=describe(table.schema),
                parts=[relative],
                plan=describe_plan(steps),
                policy_sha256=policy_sha,
                job_id=context.job_id,
                created_at=utcnow(),
            ),
        )
        dataset.published_version, dataset.state = context.version, "published"
        session.flush()
    except BaseException:
        _discard(final)
        raise
    return {"rows": table.num_rows, "columns": table.column_names, "file": relative}
