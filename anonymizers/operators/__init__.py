"""Column-wise masking operators over Arrow data, and their registry.

Build operators by name with ``make_operator`` (or check a whole plan with ``validate_plan``),
then call ``apply(column, ctx)`` on each column; ``None`` means drop the column. Operators work
on whole columns with ``pyarrow.compute``; keyed work (HMAC) runs once per distinct value.
"""

from anonymizers.operators.base import (
    Column,
    MaskContext,
    Operator,
    OperatorError,
    OperatorParams,
    Span,
    SpanFinder,
    TextMasker,
)
from anonymizers.operators.basic import DropOperator, KeepOperator, RedactOperator
from anonymizers.operators.date_shift import DateShiftOperator
from anonymizers.operators.generalize import GeneralizeOperator
from anonymizers.operators.mask import MaskOperator
from anonymizers.operators.pseudonymize import PseudonymizeOperator
from anonymizers.operators.registry import OPERATORS, build_plan, make_operator, validate_plan
from anonymizers.operators.spans import ReplaceSpansOperator
from anonymizers.operators.suppress import SuppressRareOperator

__all__ = [
    "OPERATORS",
    "Column",
    "DateShiftOperator",
    "DropOperator",
    "GeneralizeOperator",
    "KeepOperator",
    "MaskContext",
    "MaskOperator",
    "Operator",
    "OperatorError",
    "OperatorParams",
    "PseudonymizeOperator",
    "RedactOperator",
    "ReplaceSpansOperator",
    "Span",
    "SpanFinder",
    "SuppressRareOperator",
    "TextMasker",
    "build_plan",
    "make_operator",
    "validate_plan",
]
