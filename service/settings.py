"""Settings from `NETADVISOR_*` environment variables, with embedded defaults so `make serve` just works."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.catalogue import default_rules_dir


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NETADVISOR_", extra="ignore")

    host: str = Field("127.0.0.1", description="Address `serve` binds to.")
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64)
    # Connections (uvicorn). Idle keep-alive connections close after `keep_alive_timeout` seconds; with
    # more than `limit_concurrency` connections and tasks at once, new requests get 503; `backlog` is the
    # kernel's queue of connections not yet accepted. `max_incomplete_event_bytes` bounds a request's
    # unparsed head with the h11 parser only (httptools, the default when installed, has a fixed 80 KiB).
    http: Literal["auto", "h11", "httptools"] = Field("auto", description="uvicorn's HTTP/1.1 parser.")
    keep_alive_timeout: int = Field(5, ge=1, le=3600, description="Seconds an idle connection stays open.")
    max_incomplete_event_bytes: int = Field(16 * 1024, ge=1024, le=1024 * 1024)
    limit_concurrency: int | None = Field(None, ge=1, description="Unset: no limit.")
    backlog: int = Field(2048, ge=1, le=65535)
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
    feishu_app_id: str | None = Field(None, description="Feishu/Lark app ID (cli_...), to send replies.")
    feishu_app_secret: SecretStr | None = Field(None, description="Feishu/Lark app secret, to send replies.")
    feishu_verification_token: SecretStr | None = Field(None, description="Events > Verification Token.")
    feishu_encrypt_key: SecretStr | None = Field(
        None, description="Events > Encrypt Key: encrypted, signed events (recommended)."
    )
    feishu_api_base: str = Field(
        "https://open.feishu.cn", description="Feishu open API; Lark: https://open.larksuite.com."
    )
    dingtalk_app_secret: SecretStr | None = Field(None, description="The robot's AppSecret, checks `sign`.")
    api_keys: SecretStr | None = Field(None, description="Comma-separated bearer keys; unset means open.")
