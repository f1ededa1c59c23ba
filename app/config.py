"""Settings: one pydantic-settings class, read from ``PAZHOU_*`` environment variables."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev-insecure-secret"})
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    """Every knob of the service; ``PAZHOU_DATABASE_URL`` etc. override the defaults."""

    model_config = SettingsConfigDict(env_prefix="PAZHOU_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in the data directory"
    )
    max_upload_bytes: int = Field(default=2 * 1024**3, gt=0)
    max_columns: int = Field(default=1000, gt=0)
    secret_key: SecretStr = SecretStr("dev-insecure-secret")
    auto_migrate: bool = Field(
        default=False, description="migrate the embedded SQLite database on start"
    )
    log_level: str = "INFO"
    job_worker: bool = Field(default=True, description="run background jobs in this process")

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> "Settings":
        secret = self.secret_key.get_secret_value()
        weak = secret.lower() in PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_LENGTH
        if self.environment != "development" and weak:
            raise ValueError(
                "PAZHOU_SECRET_KEY is a placeholder or shorter than "
                f"{MIN_SECRET_LENGTH} characters; set a random secret outside development"
            )
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to ``<data_dir>/pazhou.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'pazhou.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests build their own and pass them to ``create_app``)."""
    return Settings()
