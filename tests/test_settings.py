"""Settings: defaults, the embedded database, and refused placeholder secrets."""

import pytest
from pydantic import ValidationError

from app.config import Settings


def test_defaults_are_the_embedded_service(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PAZHOU_DATABASE_URL", "PAZHOU_DATA_DIR", "PAZHOU_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.environment == "development"
    assert settings.max_upload_bytes == 2 * 1024**3
    assert settings.sqlalchemy_url.startswith("sqlite:///")
    assert settings.sqlalchemy_url.endswith("var/pazhou.db")


def test_environment_variables_use_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAZHOU_MAX_UPLOAD_BYTES", "1234")
    monkeypatch.setenv("PAZHOU_DATABASE_URL", "postgresql+psycopg://u@h/db")
    settings = Settings()
    assert settings.max_upload_bytes == 1234
    assert settings.sqlalchemy_url == "postgresql+psycopg://u@h/db"
    assert not settings.is_sqlite


@pytest.mark.parametrize("secret", ["change-me", "dev-insecure-secret", "short-but-real"])
def test_placeholder_secrets_are_refused_outside_development(secret: str) -> None:
    with pytest.raises(ValidationError, match="PAZHOU_SECRET_KEY"):
        Settings(environment="production", secret_key=secret)


def test_placeholder_secret_is_fine_in_development() -> None:
    assert Settings(environment="development").secret_key.get_secret_value()


def test_secret_is_never_printed() -> None:
    settings = Settings(environment="production", secret_key="s" * 48)
    assert "s" * 48 not in repr(settings)
