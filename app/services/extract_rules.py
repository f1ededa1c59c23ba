"""What an extract does to the published rows: re-key pseudonyms for its consumer, enforce
the policy's k-anonymity (and l-diversity), and neutralize spreadsheet formulas in CSV."""

from typing import Any

import pyarrow as pa

from anonymizers.hierarchies import Hierarchy, hierarchy_from_spec
from anonymizers.kanonymity import KAnonymityError, enforce_k_anonymity
from anonymizers.rekey import rekey_pseudonyms, rekey_span_tags
from anonymizers.spreadsheet import neutralize_formulas
from app.errors import InvalidInput
from policies.schema import Policy


def rekey(table: pa.Table, plan: dict[str, Any], secret: bytes) -> pa.Table:
    """Replace the published pseudonyms (columns and free-text tags) by the consumer's own."""
    for index, name in enumerate(table.column_names):
        step = plan.get(name) or {}
        params = step.get("params") or {}
        if step.get("operator") == "pseudonymize":
            column = rekey_pseudonyms(
                table.column(index), secret, params.get("length", 16), params.get("prefix", "")
            )
        elif step.get("operator") == "replace_spans" and params.get("style") == "pseudonym":
            column = rekey_span_tags(table.column(index), secret)
        else:
            continue
        table = table.set_column(index, name, column)
    return table


def anonymize(table: pa.Table, policy: Policy, fmt: str) -> tuple[pa.Table, dict[str, Any]]:
    """k-anonymous (and l-diverse when the policy asks) rows, and what was done to get there."""
    rules = policy.extracts
    present = set(table.column_names)
    quasi = [name for name in rules.quasi_identifiers if name in present]
    sensitive = next((name for name in rules.sensitive if name in present), None)
    k = policy.extract_k()
    report: dict[str, Any] = {"k": k, "quasi_identifiers": quasi, "rows_in": table.num_rows}
    if quasi:
        try:
            result = enforce_k_anonymity(
                table,
                quasi,
                k,
                hierarchies=hierarchies(policy, quasi),
                max_suppression=rules.max_suppression,
                sensitive=sensitive if rules.l_diversity else None,
                l=rules.l_diversity if sensitive else None,
            )
        except KAnonymityError as exc:
            raise InvalidInput(f"the extract cannot be made k-anonymous: {exc}") from exc
        table = result.table
        report.update(
            suppressed_rows=result.suppressed_rows,
            generalizations=result.generalizations,
            min_class_size=result.min_class_size,
            within_suppression_limit=result.within_suppression_limit,
            l_diversity=result.l_diversity,
            sensitive=sensitive if rules.l_diversity else None,
        )
    else:
        report.update(suppressed_rows=0, generalizations={}, min_class_size=None)
    if fmt == "csv":
        table = neutralize_formulas(table, include_names=True)
    report["rows"] = table.num_rows
    return table, report


def hierarchies(policy: Policy, quasi: list[str]) -> dict[str, Hierarchy]:
    """The policy's hierarchies for the quasi-identifiers in this extract (defaults otherwise)."""
    specs = policy.extracts.hierarchies
    return {name: hierarchy_from_spec(specs[name]) for name in quasi if name in specs}
