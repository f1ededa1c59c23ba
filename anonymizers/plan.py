"""A masking plan: one operator per column, decided by policy, agency override or scan.

Precedence: the policy's ``columns.<name>.operator`` first, then the agency's override of the
classification, then the scan's default. A column nobody decided on is dropped: nothing raw
leaves by omission.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from anonymizers.bulk_text import blank_known
from anonymizers.invisible import readable_column
from anonymizers.operators import MaskContext, OperatorError, make_operator
from anonymizers.operators._arrow import to_text
from anonymizers.validators import CELL_VALIDATORS

PERSON_KEY_ENTITIES = ("CN_RESIDENT_ID", "US_SSN", "CN_PASSPORT", "CN_MOBILE")
MASKING_OPERATORS = frozenset({"drop", "redact", "mask", "pseudonymize", "generalize"})


@dataclass(frozen=True)
class Step:
    column: str
    operator: str
    params: dict[str, Any] = field(default_factory=dict)
    source: str = "classification"
    entity: str | None = None


class PlanError(ValueError):
    """A column whose operator cannot run; nothing is published when one fails."""

    def __init__(self, column: str, detail: str) -> None:
        super().__init__(f"column '{column}': {detail}")
        self.column = column
        self.detail = detail


def merged_report(
    report: Sequence[Mapping[str, Any]], overrides: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The scan's report with the agency's overrides laid over each column."""
    merged = []
    for column in report:
        changes = overrides.get(column["name"], {})
        merged.append({**column, **changes, "overridden": bool(changes)})
    return merged


def build_plan(
    columns: Sequence[str],
    report: Sequence[Mapping[str, Any]],
    policy_columns: Mapping[str, tuple[str | None, Mapping[str, Any]]],
) -> list[Step]:
    """One step per column, in the table's order."""
    by_name = {entry["name"]: entry for entry in report}
    steps = []
    for name in columns:
        entry = by_name.get(name, {})
        operator, params = policy_columns.get(name, (None, {}))
        if operator is not None:
            steps.append(Step(name, operator, dict(params), "policy", entry.get("entity")))
        elif entry.get("operator"):
            source = "override" if entry.get("overridden") else "classification"
            steps.append(
                Step(
                    name,
                    entry["operator"],
                    dict(entry.get("params") or {}),
                    source,
                    entry.get("entity"),
                )
            )
        else:
            steps.append(Step(name, "drop", {}, "default"))
    return steps


def check_plan(steps: Sequence[Step]) -> None:
    """Build every operator once: bad names or parameters fail before any data is touched."""
    for step in steps:
        try:
            make_operator(step.operator, step.params)
        except OperatorError as exc:
            raise PlanError(step.column, str(exc)) from exc


def person_key(table: pa.Table, steps: Sequence[Step]) -> pa.ChunkedArray | None:
    """The raw column that identifies a person (for consistent date shifts), if any."""
    for entity in PERSON_KEY_ENTITIES:
        for step in steps:
            if step.entity == entity and step.column in table.column_names:
                return table.column(step.column)
    return None


def apply_plan(
    table: pa.Table,
    steps: Sequence[Step],
    context: MaskContext,
    progress: Callable[[float], None] | None = None,
) -> pa.Table:
    """The sanitized table: each column through its operator; dropped columns left out.

    With ``context.text_masker``, every ``replace_spans`` column is started first (it works
    in the background, e.g. in worker processes) and collected in its turn, so free text is
    scanned while the other columns are masked.
    """
    known = _known_identifiers(table, steps)
    pending = _start_text_steps(table, steps, context, known)
    names, arrays = [], []
    for index, step in enumerate(steps, start=1):
        try:
            if step.column in pending:
                result: Any = pending.pop(step.column)()
            else:
                result = _apply_step(table.column(step.column), step, context, known)
        except (OperatorError, pa.ArrowException, ValueError, TypeError) as exc:
            _cancel(pending)
            raise PlanError(step.column, f"{step.operator} failed: {exc}") from exc
        if result is not None:
            names.append(step.column)
            arrays.append(result)
        if progress is not None:
            progress(index / len(steps))
    return pa.table(arrays, names=names)


def _apply_step(
    column: pa.ChunkedArray, step: Step, context: MaskContext, known: list[tuple[str, Any]]
) -> Any:
    """One column through its operator (free text: the row's known values blanked first)."""
    if step.operator == "replace_spans" and known:
        column = _blank_known_values(column, known)
    if step.entity in CELL_VALIDATORS:  # an identifier column: masked as it reads
        column = readable_column(column)
    return make_operator(step.operator, step.params).apply(column, context)


def _cancel(pending: dict[str, Callable[[], Any]]) -> None:
    """Drop the background work of text columns nobody will wait for."""
    for waiting in pending.values():
        cancel = getattr(waiting, "cancel", None)
        if cancel is not None:
            cancel()


def _start_text_steps(
    table: pa.Table, steps: Sequence[Step], context: MaskContext, known: list[tuple[str, Any]]
) -> dict[str, Callable[[], Any]]:
    """Start the ``replace_spans`` steps on ``context.text_masker``: column -> result."""
    masker = context.text_masker
    if masker is None:
        return {}
    pending = {}
    for step in steps:
        if step.operator == "replace_spans":
            try:
                pending[step.column] = masker(
                    table.column(step.column), known, step.params, context.secret
                )
            except (OperatorError, pa.ArrowException, ValueError, TypeError) as exc:
                _cancel(pending)
                raise PlanError(step.column, f"{step.operator} failed: {exc}") from exc
    return pending


def _known_identifiers(table: pa.Table, steps: Sequence[Step]) -> list[tuple[str, Any]]:
    """Columns holding identifiers that are being masked: (entity, raw column)."""
    return [
        (step.entity, table.column(step.column))
        for step in steps
        if step.entity in CELL_VALIDATORS and step.operator in MASKING_OPERATORS
    ]


def _blank_known_values(column: pa.ChunkedArray, known: list[tuple[str, Any]]) -> pa.Array:
    """Free text often repeats the row's own identifiers (a contact name, a mobile): replace
    every occurrence of the row's masked values by ``<ENTITY>`` before span detection, so a
    value the detector would miss in the notes cannot survive there.
    """
    texts = to_text(column, "replace_spans").to_pylist()
    blank_known(texts, [(entity, to_text(c, "replace_spans").to_pylist()) for entity, c in known])
    return pa.array(texts, type=pa.string())


def describe_plan(steps: Sequence[Step]) -> dict[str, Any]:
    """A JSON-ready record of the plan (stored with the published version)."""
    return {
        step.column: {"operator": step.operator, "params": step.params, "source": step.source}
        for step in steps
    }
