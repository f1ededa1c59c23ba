"""Policies: the schema, templates, and broken files that must fail naming their field."""

from pathlib import Path

import pytest

from policies.load import PolicyError, parse_mapping, parse_text
from policies.templates import TEMPLATES

FIXTURES = Path(__file__).parent / "fixtures" / "policies"
BROKEN = sorted(FIXTURES.glob("broken_*.yaml"))


def _expected_field(path: Path) -> str | None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    field = first.removeprefix("# expect: ").strip()
    return None if field == "<document>" else field


def test_the_example_policy_parses() -> None:
    policy = parse_text((FIXTURES / "good_registry.yaml").read_text(encoding="utf-8"))
    assert policy.epsilon_total == 10.0 and policy.delta_total == 1e-6
    district = policy.column("district")
    assert district is not None and district.group_by and len(district.public_values or ()) == 7
    assert policy.column("手机") is not None and policy.column("nothing") is None
    with pytest.raises(Exception, match="frozen"):
        policy.epsilon_total = 99  # type: ignore[misc]


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_policy_names_its_field(path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_text(path.read_text(encoding="utf-8"))
    assert caught.value.field == _expected_field(path), str(caught.value)


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_templates_parse_and_accept_overrides(name: str) -> None:
    policy = parse_mapping({"template": name})
    assert policy.name == name and policy.epsilon_total > 0
    tighter = parse_mapping({"template": name, "min_group_size": 50})
    assert tighter.min_group_size == 50


def test_unknown_template_is_an_error() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_mapping({"template": "everything-goes"})
    assert caught.value.field == "template"


def test_pipl_template_is_stricter_than_open_data() -> None:
    open_data, pipl = (
        parse_mapping({"template": "open-data"}),
        parse_mapping({"template": "pipl-sensitive"}),
    )
    assert pipl.epsilon_total < open_data.epsilon_total
    assert pipl.extracts.k_anonymity > open_data.extracts.k_anonymity
