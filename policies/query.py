"""A DP query (API.md, "A DP query") and its check against a policy.

Every column a query touches must be described by the policy: numbers need bounds, group-by
columns need ``group_by: true``, filters need ``filter: true``. Bounds and public values come
from the policy, never from the data.

Complexity has two layers: fixed ceilings in the model (a body past them is refused while it
is parsed) and ``QueryLimits``, the service's configurable limits, which ``check`` enforces and
which can only be lower. Both refusals name the field.
"""

import math
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from policies.schema import ColumnPolicy, Policy

Fn = Literal["count", "sum", "mean", "quantile", "histogram"]
Op = Literal["=", "!=", "<", "<=", ">", ">=", "in", "between"]
NUMERIC = ("number", "integer")
CEILING_AGGREGATIONS, CEILING_GROUP_BY, CEILING_CONDITIONS = 100, 10, 100
CEILING_BINS, CEILING_IN_VALUES = 1000, 10_000


@dataclass(frozen=True)
class QueryLimits:
    """How complex one query may be; ``groups`` caps the combinations of public group keys."""

    aggregations: int = 20
    group_by: int = 3
    conditions: int = 20
    bins: int = 200
    in_values: int = 1000
    groups: int = 10_000


class QueryError(ValueError):
    """A query the policy does not allow; ``field`` names the offending part."""

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail, self.field = detail, field


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Aggregation(_Frozen):
    fn: Fn
    column: str | None = None
    q: float | None = Field(default=None, gt=0, lt=1)
    bins: tuple[float, ...] | None = Field(default=None, min_length=2, max_length=CEILING_BINS + 1)

    @model_validator(mode="after")
    def _shape(self) -> "Aggregation":
        if self.fn != "count" and self.column is None:
            raise ValueError(f"{self.fn} needs a column")
        if self.fn == "quantile" and self.q is None:
            raise ValueError("quantile needs q in (0, 1)")
        if self.fn == "histogram":
            if self.bins is None:
                raise ValueError("histogram needs bins (increasing edges)")
            if any(high <= low for low, high in pairwise(self.bins)):
                raise ValueError("bins must be strictly increasing")
        return self

    @property
    def label(self) -> str:
        """The answer's key: ``count``, ``sum_income``, ``quantile_0.5_age`` …"""
        if self.fn == "count":
            return "count"
        if self.fn == "quantile":
            return f"quantile_{self.q:g}_{self.column}"
        return f"{self.fn}_{self.column}"


class Condition(_Frozen):
    column: str
    op: Op
    value: Any

    @model_validator(mode="after")
    def _value(self) -> "Condition":
        if self.op == "in" and (not isinstance(self.value, list) or not self.value):
            raise ValueError("'in' needs a non-empty list")
        if self.op == "in" and len(self.value) > CEILING_IN_VALUES:
            raise ValueError(f"'in' takes at most {CEILING_IN_VALUES} values")
        if self.op == "between" and (not isinstance(self.value, list) or len(self.value) != 2):
            raise ValueError("'between' needs [low, high]")
        if self.op not in ("in", "between") and isinstance(self.value, (list, dict)):
            raise ValueError(f"'{self.op}' needs a single value")
        return self


class Query(_Frozen):
    aggregations: tuple[Aggregation, ...] = Field(min_length=1, max_length=CEILING_AGGREGATIONS)
    group_by: tuple[str, ...] = Field(default=(), max_length=CEILING_GROUP_BY)
    where: tuple[Condition, ...] = Field(default=(), max_length=CEILING_CONDITIONS)
    epsilon: float = Field(gt=0)
    delta: float = Field(default=0.0, ge=0, lt=1e-3)

    @model_validator(mode="after")
    def _distinct(self) -> "Query":
        labels = [a.label for a in self.aggregations]
        if len(set(labels)) != len(labels):
            raise ValueError("an aggregation is asked twice")
        if len(set(self.group_by)) != len(self.group_by):
            raise ValueError("group_by repeats a column")
        return self


def _described(policy: Policy, name: str, field: str) -> ColumnPolicy:
    column = policy.column(name)
    if column is None:
        raise QueryError(f"the policy does not describe column '{name}'", field)
    return column


def _check_aggregation(policy: Policy, index: int, agg: Aggregation) -> None:
    if agg.column is None:
        return
    field = f"aggregations.{index}.column"
    column = _described(policy, agg.column, field)
    if column.type not in NUMERIC or column.lower is None:
        raise QueryError(
            f"{agg.fn} of '{agg.column}' needs a number column with bounds in the policy", field
        )


def _at_most(count: int, limit: int, what: str, field: str) -> None:
    if count > limit:
        raise QueryError(f"{count} {what}; a query may have at most {limit}", field)


def check_limits(query: Query, policy: Policy, limits: QueryLimits) -> None:
    """Refuse a query more complex than ``limits`` allow, naming the field."""
    _at_most(len(query.aggregations), limits.aggregations, "aggregations", "aggregations")
    _at_most(len(query.group_by), limits.group_by, "group-by columns", "group_by")
    _at_most(len(query.where), limits.conditions, "conditions", "where")
    for index, agg in enumerate(query.aggregations):
        if agg.bins is not None:
            field = f"aggregations.{index}.bins"
            _at_most(len(agg.bins) - 1, limits.bins, "histogram bins", field)
    for index, condition in enumerate(query.where):
        if isinstance(condition.value, list):
            field = f"where.{index}.value"
            _at_most(len(condition.value), limits.in_values, "values", field)
    sizes = [
        len(c.public_values) for n in query.group_by if (c := policy.column(n)) and c.public_values
    ]
    _at_most(math.prod(sizes), limits.groups, "combinations of group keys", "group_by")


def check(query: Query, policy: Policy, limits: QueryLimits | None = None) -> None:
    """Refuse what the limits or the policy do not allow, naming the field (bounds come from
    the policy)."""
    check_limits(query, policy, limits or QueryLimits())
    if query.epsilon > policy.max_query_epsilon:
        raise QueryError(
            f"epsilon {query.epsilon} is above the policy's max_query_epsilon "
            f"{policy.max_query_epsilon}",
            "epsilon",
        )
    if query.delta > policy.delta_total:
        raise QueryError(f"delta {query.delta} is above delta_total {policy.delta_total}", "delta")
    for index, agg in enumerate(query.aggregations):
        _check_aggregation(policy, index, agg)
    for index, name in enumerate(query.group_by):
        column = _described(policy, name, f"group_by.{index}")
        if not column.group_by:
            raise QueryError(f"the policy does not allow grouping on '{name}'", f"group_by.{index}")
        if column.public_values is None and query.delta == 0:
            raise QueryError(
                f"'{name}' has no public values: grouping on it needs delta > 0 "
                "(DP partition selection)",
                "delta",
            )
    for index, condition in enumerate(query.where):
        column = _described(policy, condition.column, f"where.{index}.column")
        if not column.filter:
            raise QueryError(
                f"the policy does not allow filtering on '{condition.column}'",
                f"where.{index}.column",
            )
        _check_values(column, condition, f"where.{index}.value")


def _check_values(column: ColumnPolicy, condition: Condition, field: str) -> None:
    """A number column is compared with numbers only (never with text the engine must cast)."""
    values = condition.value if isinstance(condition.value, list) else [condition.value]
    if column.type not in NUMERIC:
        if any(isinstance(v, (dict, list)) or v is None for v in values):
            raise QueryError("compare with plain values (text or numbers)", field)
        return
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in values):
        raise QueryError(f"'{condition.column}' is a number column: compare it with numbers", field)
