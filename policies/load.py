"""Parse a policy from YAML or JSON text or a mapping; every error names its field."""

import json
from collections.abc import Mapping
from typing import Any

import yaml
from pydantic import ValidationError

from anonymizers.operators import OperatorError, make_operator
from policies.schema import Policy
from policies.templates import TEMPLATES


class PolicyError(ValueError):
    """An invalid policy; ``field`` is the dotted path of the offending entry."""

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {detail}" if field else detail)
        self.detail = detail
        self.field = field


def parse_text(text: str) -> Policy:
    """A policy document in YAML (JSON is YAML too)."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"not valid YAML or JSON: {exc}") from exc
    if not isinstance(document, Mapping):
        raise PolicyError("a policy is a mapping of fields (name, epsilon_total, columns, ...)")
    return parse_mapping(document)


def parse_mapping(document: Mapping[str, Any]) -> Policy:
    """A mapping, possibly ``{"template": name, ...overrides}``."""
    merged = _with_template(dict(document))
    try:
        policy = Policy.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise PolicyError(first["msg"].removeprefix("Value error, "), field) from exc
    _check_operators(policy)
    return policy


def _with_template(document: dict[str, Any]) -> dict[str, Any]:
    name = document.pop("template", None)
    if name is None:
        return document
    if name not in TEMPLATES:
        known = ", ".join(sorted(TEMPLATES))
        raise PolicyError(f"unknown template '{name}'; known: {known}", "template")
    base: dict[str, Any] = json.loads(json.dumps(TEMPLATES[name]))
    return base | document


def _check_operators(policy: Policy) -> None:
    """Unknown operators and bad parameters fail at load time, not halfway through a release."""
    for name, column in policy.columns.items():
        if column.operator is None:
            continue
        try:
            make_operator(column.operator, column.params)
        except OperatorError as exc:
            raise PolicyError(str(exc), f"columns.{name}.operator") from exc


def policy_json(policy: Policy) -> str:
    """Canonical JSON of a policy (sorted keys): what is stored and hashed."""
    return json.dumps(
        policy.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
