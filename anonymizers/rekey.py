"""Re-keying published pseudonyms for one recipient, so two recipients' copies cannot be joined.

A published pseudonym is HMAC(dataset secret, value). A recipient's copy replaces it with
HMAC(recipient secret, pseudonym): still deterministic within the copy (joins inside it work),
different between recipients, and irreversible without both secrets.
"""

import re

import pyarrow as pa

from anonymizers.operators._arrow import map_unique
from anonymizers.operators._keyed import pseudonyms
from anonymizers.operators.base import Column, MaskContext
from anonymizers.operators.registry import make_operator

SPAN_TAG = re.compile(r"<([A-Z][A-Z0-9_]*):([0-9a-f]{8,64})>")


def rekey_pseudonyms(column: Column, secret: bytes, length: int = 16, prefix: str = "") -> Column:
    """Re-key a ``pseudonymize`` column (same length and prefix as the published one)."""
    operator = make_operator("pseudonymize", {"length": length, "prefix": prefix})
    rekeyed = operator.apply(column, MaskContext(secret=secret))
    return column if rekeyed is None else rekeyed


def rekey_span_tags(column: Column, secret: bytes) -> Column:
    """Re-key every ``<ENTITY:pseudonym>`` tag that ``replace_spans`` left in free text."""

    def rewrite(texts: pa.Array) -> pa.Array:
        return pa.array([_rewrite(text, secret) for text in texts.to_pylist()], type=pa.string())

    return map_unique(column, rewrite)


def _rewrite(text: str, secret: bytes) -> str:
    tags = list(SPAN_TAG.finditer(text))
    if not tags:
        return text
    fresh = iter(pseudonyms([tag.group(2).encode("ascii") for tag in tags], secret, 64))
    return SPAN_TAG.sub(lambda tag: f"<{tag.group(1)}:{next(fresh)[: len(tag.group(2))]}>", text)
