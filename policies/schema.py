"""The release policy: what may leave a dataset, how, and at what privacy cost.

Parsed into frozen pydantic models with ``extra="forbid"`` so that a typo is an error that
names its field, not a silently ignored line.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

ColumnType = Literal["number", "integer", "category", "date", "text", "identifier"]


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnPolicy(Frozen):
    """One column: its DP description (type, bounds, public values) and its masking."""

    type: ColumnType | None = None
    lower: float | None = None
    upper: float | None = None
    public_values: tuple[str | int | float, ...] | None = None
    group_by: bool = False
    filter: bool = False
    operator: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _bounds(self) -> "ColumnPolicy":
        if (self.lower is None) != (self.upper is None):
            raise ValueError("give both lower and upper, or neither")
        if self.lower is not None and self.upper is not None and self.lower >= self.upper:
            raise ValueError(f"lower ({self.lower}) must be below upper ({self.upper})")
        if self.group_by and self.type in ("number", "text"):
            raise ValueError(f"a {self.type} column cannot be grouped on; use category")
        if self.public_values is not None and len(set(self.public_values)) != len(
            self.public_values
        ):
            raise ValueError("public_values repeats a value")
        return self


class ExtractRules(Frozen):
    """Row-level extracts: k-anonymity on the quasi-identifiers, generalizing along
    ``hierarchies`` (column → hierarchy spec, see ``anonymizers.hierarchies``) before
    suppressing at most ``max_suppression`` of the rows; optional l-diversity of the first
    ``sensitive`` column present in an extract."""

    k_anonymity: int = Field(default=5, ge=2)
    l_diversity: int | None = Field(default=None, ge=2)
    quasi_identifiers: tuple[str, ...] = ()
    sensitive: tuple[str, ...] = ()
    hierarchies: dict[str, dict[str, Any]] = Field(default_factory=dict)
    max_suppression: float = Field(default=0.05, ge=0, le=1)

    @model_validator(mode="after")
    def _hierarchies_on_quasi_identifiers(self) -> "ExtractRules":
        for name in self.hierarchies:
            if name not in self.quasi_identifiers:
                raise ValueError(f"hierarchy for '{name}', which is not a quasi-identifier")
        return self


class Policy(Frozen):
    """A dataset's release policy (see API.md, "A policy")."""

    name: str = Field(min_length=1, max_length=200)
    epsilon_total: float = Field(gt=0, le=100)
    delta_total: float = Field(default=0.0, ge=0, lt=1e-3)
    grant_default_epsilon: float = Field(gt=0)
    max_query_epsilon: float = Field(gt=0)
    min_group_size: int = Field(default=10, ge=1)
    extracts: ExtractRules = Field(default_factory=ExtractRules)
    columns: dict[str, ColumnPolicy] = Field(default_factory=dict)

    @field_validator("grant_default_epsilon", "max_query_epsilon")
    @classmethod
    def _within_total(cls, value: float, info: ValidationInfo) -> float:
        total = info.data.get("epsilon_total")
        if total is not None and value > total:
            raise ValueError(f"{value} exceeds epsilon_total ({total})")
        return value

    def extract_k(self) -> int:
        """The k of extracts: classes below ``min_group_size`` are never shown either."""
        return max(self.extracts.k_anonymity, self.min_group_size)

    def column(self, name: str) -> ColumnPolicy | None:
        """The policy of one column, or None when the policy does not describe it."""
        return self.columns.get(name)
