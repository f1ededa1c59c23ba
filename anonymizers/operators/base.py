"""Core types shared by every masking operator: errors, context, params and the base class."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeAlias

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, ValidationError

Column: TypeAlias = pa.Array | pa.ChunkedArray
"""A column of Arrow data: one array or a chunked array."""

Span = tuple[str, int, int]
"""A detected entity: ``(entity, start, end)`` as character offsets into a Python ``str``."""

SpanFinder = Callable[[Sequence[str]], list[list[Span]]]
"""Given a batch of texts, return the spans found in each text (one list per text)."""
TextMasker = Callable[
    [Column, Sequence[tuple[str, Column]], Mapping[str, Any], bytes], Callable[[], Column]
]
"""Starts ``replace_spans`` on a whole column, in the background: ``(texts, known, params,
secret)``, where ``known`` holds ``(entity, column)`` of the row-aligned identifier columns
being masked (their values are blanked in the texts first); returns a function that waits for
the masked column."""

MIN_SECRET_BYTES = 32


class OperatorError(ValueError):
    """Bad operator params, an unknown operator, or an operator that cannot apply to a column.

    The message always names the operator and, where there is one, the offending param or column.
    ``operator``, ``param`` and ``column`` carry the same names for programmatic use.
    """

    def __init__(
        self,
        message: str,
        *,
        operator: str | None = None,
        param: str | None = None,
        column: str | None = None,
    ) -> None:
        super().__init__(message)
        self.operator = operator
        self.param = param
        self.column = column


class ParamError(ValueError):
    """Raised inside params-model validators for a cross-field problem on one named param."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"param '{param}': {message}")
        self.param = param


@dataclass(frozen=True)
class MaskContext:
    """Everything an operator may need beyond its params, fixed for one dataset.

    ``secret`` is the per-dataset HMAC key (at least 32 bytes). ``person_ids`` is an optional
    per-row person key, as long as the masked column, which makes ``date_shift`` consistent per
    person. ``span_finder`` detects entities in free text for ``replace_spans``;
    ``text_masker``, when given, runs ``replace_spans`` on whole columns instead (see
    :func:`anonymizers.plan.apply_plan`), overlapping it with the other columns' work.
    """

    secret: bytes
    person_ids: pa.Array | pa.ChunkedArray | None = None
    span_finder: SpanFinder | None = None
    text_masker: TextMasker | None = None

    def __post_init__(self) -> None:
        """Refuse a missing or short secret: weak keys make pseudonyms guessable."""
        if not isinstance(self.secret, bytes) or len(self.secret) < MIN_SECRET_BYTES:
            raise OperatorError(f"MaskContext.secret must be at least {MIN_SECRET_BYTES} bytes")


class OperatorParams(BaseModel):
    """Base of every params model: immutable, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class NoParams(OperatorParams):
    """Params model of operators that take no params."""


class Operator(ABC):
    """A column-wise masking operator, built from validated params and applied to Arrow data."""

    name: ClassVar[str]
    params_model: ClassVar[type[OperatorParams]] = NoParams
    params: OperatorParams

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        """Validate ``params`` with ``params_model``; raise ``OperatorError`` naming the field."""
        if params is None:
            params = {}
        if not isinstance(params, Mapping):
            raise OperatorError(
                f"operator '{self.name}': params must be a mapping", operator=self.name
            )
        try:
            self.params = self.params_model.model_validate(dict(params))
        except ValidationError as exc:
            raise _params_error(self.name, exc) from exc

    @abstractmethod
    def apply(self, column: Column, ctx: MaskContext) -> Column | None:
        """Mask ``column``; return the new column, or ``None`` to drop it."""

    def fail(self, message: str, *, param: str | None = None) -> OperatorError:
        """Build an ``OperatorError`` for this operator (to be raised by the caller)."""
        return OperatorError(f"operator '{self.name}': {message}", operator=self.name, param=param)

    def __repr__(self) -> str:
        """Show the operator name and its params."""
        return f"{type(self).__name__}({self.params!r})"


def _params_error(operator: str, exc: ValidationError) -> OperatorError:
    """Turn the first pydantic error into an ``OperatorError`` naming the param."""
    err = exc.errors()[0]
    cause = err.get("ctx", {}).get("error")
    if isinstance(cause, ParamError):
        return OperatorError(
            f"operator '{operator}': {cause}", operator=operator, param=cause.param
        )
    param = ".".join(str(part) for part in err["loc"]) or None
    if err["type"] == "extra_forbidden":
        message = f"unknown param '{param}'"
    else:
        message = f"param '{param}': {err['msg']}"
    return OperatorError(f"operator '{operator}': {message}", operator=operator, param=param)
