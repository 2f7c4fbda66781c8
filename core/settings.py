"""The one settings class. Every knob is an `S2B_*` environment variable (or a line in `.env`).

A wrong value fails at start with a message that names the variable and says how to fix it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="S2B_", env_file=".env", extra="ignore")

    home: Path = Field(Path(".s2b"), description="Data directory: SQLite file, vector index, models, caches.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL. Default: SQLite file under S2B_HOME. e.g. postgresql+psycopg://u:p@host/db",
    )
    qdrant_url: str | None = Field(None, description="Qdrant server URL. Default: Qdrant local mode under S2B_HOME.")
    qdrant_api_key: SecretStr | None = None
    qdrant_collection: str = "products"
    vector_index: Literal["numpy", "qdrant-local"] = Field(
        "numpy",
        description="Embedded vector index when S2B_QDRANT_URL is unset: exact in-memory numpy scan (fastest, measured)"
        " or Qdrant local mode under S2B_HOME (brute force, slow with filters past ~20k points).",
    )
    embedder: str = Field(
        "use-multilingual",
        description="Embedding backend: use-multilingual | e5-small | minilm | st:<model name or path> | hash (tests)",
    )
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint. Default: embedded llama.cpp server on 127.0.0.1."
    )
    llm_api_key: SecretStr | None = None
    llm_model: str | None = Field(None, description="Model name sent to the endpoint (default: the local model).")
    llm_local_variant: Literal["1.5b", "0.5b"] = Field("1.5b", description="Packaged local model size.")
    llm_threads: int = Field(2, ge=1, le=256)
    llm_context: int = Field(4096, ge=512)
    llm_timeout_s: float = Field(120.0, gt=0)
    llm_max_retries: int = Field(2, ge=0, le=10)
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    default_markup: float = Field(1.8, gt=1.0, description="Retail price = wholesale x markup when no price list.")
    rate_limit_per_minute: int = Field(120, ge=1)
    demo_data: Path = Field(
        Path(__file__).resolve().parent.parent / "data" / "online_retail" / "online_retail.csv.gz",
        description="Order file loaded by `s2b serve` when the store is empty.",
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if value.startswith("postgres://") or value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        if not (value.startswith("sqlite") or value.startswith("postgresql+psycopg://")):
            raise ValueError("use sqlite:///path/to/file.db or postgresql+psycopg://user:password@host:5432/dbname")
        return value

    @field_validator("qdrant_url", "llm_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://, e.g. http://127.0.0.1:6333")
        return value.rstrip("/")

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 's2b.db').resolve()}"

    @property
    def shown_database_url(self) -> str:
        """The database URL for messages and logs: its password, if any, replaced by ***."""
        return hide_password(self.resolved_database_url)

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    def ensure_home(self) -> Path:
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SettingsError(
                f"S2B_HOME={self.home} cannot be created ({exc.strerror}). "
                "Fix: point S2B_HOME at a writable directory, e.g. export S2B_HOME=$HOME/.s2b"
            ) from exc
        return self.home


_PASSWORD = re.compile(r"(://[^/:@\s'\"]*:)[^\s'\"]*@")  # scheme://user:password@host, up to the last @


def hide_password(text: str) -> str:
    """`text` with the password of any URL in it (scheme://user:password@host) replaced by ***: database URLs are
    printed in errors, and batch and CI logs keep them."""
    return _PASSWORD.sub(r"\1***@", text)


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment; turn validation errors into one readable message."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            shown = hide_password(repr(error.get("input")))
            lines.append(f"  S2B_{field.upper()}: {error['msg']} (got {shown})")
        raise SettingsError("Invalid settings:\n" + "\n".join(lines) + "\nFix the variables above (or .env).") from exc
    settings.ensure_home()
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
