"""Keyed pseudonyms: HMAC-SHA256 under the per-dataset secret, once per distinct value."""

from __future__ import annotations

from typing import ClassVar

import pyarrow as pa
from pydantic import Field, StrictInt, StrictStr

from anonymizers.operators._arrow import map_unique
from anonymizers.operators._keyed import pseudonym_array
from anonymizers.operators.base import Column, MaskContext, Operator, OperatorParams


class PseudonymizeParams(OperatorParams):
    """Params of ``pseudonymize``: hex length of the pseudonym (8-64) and an optional prefix."""

    length: StrictInt = Field(default=16, ge=8, le=64)
    prefix: StrictStr = Field(default="", max_length=32)


class PseudonymizeOperator(Operator):
    """Replace each value by ``prefix`` + hex(HMAC-SHA256(secret, value))[:length].

    Deterministic within a dataset (same secret and value give the same pseudonym, so joins on
    the column keep working) and irreversible without the secret. Numbers are stringified
    canonically first, binary values are hashed as raw bytes. The HMAC runs once per distinct
    value. Output is a string column; nulls stay null.
    """

    name: ClassVar[str] = "pseudonymize"
    params_model: ClassVar[type[OperatorParams]] = PseudonymizeParams
    params: PseudonymizeParams

    def apply(self, column: Column, ctx: MaskContext) -> Column | None:
        """Pseudonymize every non-null value of ``column``."""
        p = self.params

        def hash_uniques(values: pa.Array) -> pa.Array:
            return pseudonym_array(values, ctx.secret, p.length, p.prefix)

        return map_unique(column, hash_uniques)
