"""The pure libraries never import the service layer, the web framework or the ORM."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("app", "fastapi", "starlette", "sqlalchemy", "alembic")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", ["anonymizers", "policies"])
def test_pure_library_imports_no_service_code(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no modules"
    for path in files:
        bad = _imports(path) & set(FORBIDDEN)
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_routers_never_raise_http_exception() -> None:
    for folder in ("services", "repositories", "storage", "audit", "auth", "db"):
        for path in (ROOT / "app" / folder).rglob("*.py"):
            assert "HTTPException" not in path.read_text(encoding="utf-8"), path
