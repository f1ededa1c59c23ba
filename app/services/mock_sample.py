"""A mock sample for the catalog, generated from public metadata only.

Inputs are the published column types, the policy's public values and bounds, and the masking
plan's operator names — never a private row — so a consumer can write queries before asking
for access. Every value is synthetic; numbers without public bounds are plainly illustrative.
"""

import hashlib
import random
from datetime import date, timedelta
from typing import Any

from policies.schema import ColumnPolicy, Policy

SAMPLE_ROWS = 20
_EPOCH, _DAYS = date(2000, 1, 1), 365 * 25


def mock_sample(
    seed: str, columns: list[dict[str, str]], policy: Policy, plan: dict[str, Any]
) -> list[dict[str, Any]]:
    """``SAMPLE_ROWS`` synthetic rows with the published columns."""
    rng = random.Random(hashlib.sha256(seed.encode("utf-8")).digest())  # noqa: S311 (not secret)
    rows: list[dict[str, Any]] = [{} for _ in range(SAMPLE_ROWS)]
    for column in columns:
        name, arrow_type = column["name"], column["type"]
        rule = policy.column(name) or ColumnPolicy()
        step = plan.get(name) or {}
        for index, row in enumerate(rows):
            row[name] = _value(rng, arrow_type, rule, step, index)
    return rows


def _value(
    rng: random.Random, arrow_type: str, rule: ColumnPolicy, step: dict[str, Any], index: int
) -> Any:
    if rule.public_values:
        return rng.choice(rule.public_values)
    if arrow_type.startswith(("int", "uint")):
        low, high = (rule.lower, rule.upper) if rule.lower is not None else (0, 100)
        return rng.randint(int(low or 0), int(high or 100))
    if arrow_type in ("double", "float", "halffloat") or arrow_type.startswith("decimal"):
        low, high = (rule.lower, rule.upper) if rule.lower is not None else (0.0, 100.0)
        return round(rng.uniform(low or 0.0, high or 100.0), 2)
    if arrow_type == "bool":
        return rng.random() < 0.5
    if arrow_type.startswith(("date", "timestamp")):
        return (_EPOCH + timedelta(days=rng.randrange(_DAYS))).isoformat()
    return _text(rng, step, index)


def _text(rng: random.Random, step: dict[str, Any], index: int) -> str:
    """A placeholder shaped like what the masking operator publishes."""
    operator, params = step.get("operator"), step.get("params") or {}
    if operator == "pseudonymize":
        length = int(params.get("length", 16))
        return str(params.get("prefix", "")) + f"{rng.getrandbits(4 * length):0{length}x}"
    if operator == "mask":
        return "*" * 8
    if operator == "redact":
        return str(params.get("replacement", "<REDACTED>"))
    if operator == "replace_spans":
        return "mock text with <PERSON> and <PHONE_NUMBER>"
    return f"mock-{index + 1}"
