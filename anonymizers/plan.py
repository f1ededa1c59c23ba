"""A masking plan: one operator per column, decided by policy, agency override or scan.

Precedence: the policy's ``columns.<name>.operator`` first, then the agency's override of the
classification, then the scan's default. A column nobody decided on is dropped: nothing raw
leaves by omission.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from anonymizers.operators import MaskContext, OperatorError, make_operator
from anonymizers.validators import CELL_VALIDATORS

PERSON_KEY_ENTITIES = ("CN_RESIDENT_ID", "US_SSN", "CN_PASSPORT", "CN_MOBILE")
MASKING_OPERATORS = frozenset({"drop", "redact", "mask", "pseudonymize", "generalize"})
MIN_KNOWN_VALUE_LENGTH = 2


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
    """The sanitized table: each column through its operator; dropped columns left out."""
    names, arrays = [], []
    known = _known_identifiers(table, steps)
    for index, step in enumerate(steps, start=1):
        column = table.column(step.column)
        if step.operator == "replace_spans" and known:
            column = _blank_known_values(column, known)
        try:
            result = make_operator(step.operator, step.params).apply(column, context)
        except (OperatorError, pa.ArrowException, ValueError, TypeError) as exc:
            raise PlanError(step.column, f"{step.operator} failed: {exc}") from exc
        if result is not None:
            names.append(step.column)
            arrays.append(result)
        if progress is not None:
            progress(index / len(steps))
    return pa.table(arrays, names=names)


def _known_identifiers(table: pa.Table, steps: Sequence[Step]) -> list[tuple[str, list[Any]]]:
    """Columns holding identifiers that are being masked: their raw values, row by row."""
    return [
        (step.entity, table.column(step.column).to_pylist())
        for step in steps
        if step.entity in CELL_VALIDATORS and step.operator in MASKING_OPERATORS
    ]


def _blank_known_values(column: pa.ChunkedArray, known: list[tuple[str, list[Any]]]) -> pa.Array:
    """Free text often repeats the row's own identifiers (a contact name, a mobile): replace
    every occurrence of the row's masked values by ``<ENTITY>`` before span detection, so a
    value the detector would miss in the notes cannot survive there.
    """
    texts = column.to_pylist()
    for row, text in enumerate(texts):
        if not text:
            continue
        pairs = [(str(values[row]), entity) for entity, values in known if values[row] is not None]
        for value, entity in sorted(pairs, key=lambda pair: -len(pair[0])):
            if len(value) >= MIN_KNOWN_VALUE_LENGTH:
                text = text.replace(value, f"<{entity}>")
        texts[row] = text
    return pa.array(texts, type=pa.string())


def describe_plan(steps: Sequence[Step]) -> dict[str, Any]:
    """A JSON-ready record of the plan (stored with the published version)."""
    return {
        step.column: {"operator": step.operator, "params": step.params, "source": step.source}
        for step in steps
    }
