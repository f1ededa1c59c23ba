"""The explicit operator registry: operator name -> class, and plan validation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from anonymizers.operators.base import Operator, OperatorError
from anonymizers.operators.basic import DropOperator, KeepOperator, RedactOperator
from anonymizers.operators.date_shift import DateShiftOperator
from anonymizers.operators.generalize import GeneralizeOperator
from anonymizers.operators.mask import MaskOperator
from anonymizers.operators.pseudonymize import PseudonymizeOperator
from anonymizers.operators.spans import ReplaceSpansOperator
from anonymizers.operators.suppress import SuppressRareOperator

OPERATORS: dict[str, type[Operator]] = {
    DropOperator.name: DropOperator,
    KeepOperator.name: KeepOperator,
    RedactOperator.name: RedactOperator,
    MaskOperator.name: MaskOperator,
    PseudonymizeOperator.name: PseudonymizeOperator,
    GeneralizeOperator.name: GeneralizeOperator,
    DateShiftOperator.name: DateShiftOperator,
    SuppressRareOperator.name: SuppressRareOperator,
    ReplaceSpansOperator.name: ReplaceSpansOperator,
}
"""Every operator by name. Adding an operator means adding it here, nowhere else."""

PlanEntry = tuple[str, Mapping[str, Any]]
"""One column's masking step: ``(operator name, params)``."""


def make_operator(name: str, params: Mapping[str, Any] | None = None) -> Operator:
    """Build the operator ``name`` with ``params``; ``OperatorError`` if unknown or invalid."""
    cls = OPERATORS.get(name) if isinstance(name, str) else None
    if cls is None:
        known = ", ".join(sorted(OPERATORS))
        raise OperatorError(f"unknown operator {name!r}; known: {known}", operator=str(name))
    return cls(params)


def build_plan(plan: Mapping[str, PlanEntry]) -> dict[str, Operator]:
    """Build one operator per column; ``OperatorError`` naming the first column that fails."""
    built: dict[str, Operator] = {}
    for column, entry in plan.items():
        try:
            name, params = _unpack(entry)
            built[column] = make_operator(name, params)
        except OperatorError as exc:
            raise OperatorError(
                f"column '{column}': {exc}", operator=exc.operator, param=exc.param, column=column
            ) from exc
    return built


def validate_plan(plan: Mapping[str, PlanEntry]) -> None:
    """Check every column's operator and params (at policy load time, before any data moves)."""
    build_plan(plan)


def _unpack(entry: object) -> tuple[str, Mapping[str, Any] | None]:
    """Split a plan entry into ``(name, params)``; a list of two from YAML/JSON is accepted."""
    if isinstance(entry, tuple | list) and len(entry) == 2:
        name, params = entry
        if isinstance(name, str) and (params is None or isinstance(params, Mapping)):
            return name, params
    raise OperatorError(f"plan entry must be (operator name, params), got {entry!r}")
