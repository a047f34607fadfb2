"""Settings from `NETADVISOR_*` environment variables, with embedded defaults so `make serve` just works."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.catalogue import default_rules_dir


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NETADVISOR_", extra="ignore")

    host: str = Field("127.0.0.1", description="Address `serve` binds to.")
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64)
    rules_dir: Path = Field(default_factory=default_rules_dir, description="The rule catalogue folder.")
    max_body_bytes: int = Field(1024 * 1024, ge=1024, description="Larger request bodies get 413.")
    log_level: str = Field("info")
    response_cache_size: int = Field(
        1024,
        ge=0,
        le=1_000_000,
        description="Recommendation answers kept in memory (LRU), keyed by the validated request, the "
        "format and the catalogue version; 0 turns the cache off.",
    )
    slack_signing_secret: SecretStr | None = None
    mattermost_token: SecretStr | None = None
    teams_secret: SecretStr | None = Field(None, description="The base64 security token Teams shows.")
    api_keys: SecretStr | None = Field(None, description="Comma-separated bearer keys; unset means open.")
