"""Settings: environment (``TAKEDOWN_*``) over ``$TAKEDOWN_HOME/takedown.toml`` over defaults.

Nothing is read at import time: call :func:`load_settings` once at start-up and pass the result down.
"""

from __future__ import annotations

import base64
import binascii
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

DEFAULT_HOME = "./takedown-data"


class _HomeTomlSource(PydanticBaseSettingsSource):
    """Reads ``takedown.toml`` from the data directory that the higher sources point to."""

    def __init__(self, settings_cls: type[BaseSettings], init: PydanticBaseSettingsSource) -> None:
        super().__init__(settings_cls)
        self._init = init
        self._data: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any]:
        if self._data is None:
            home = self._init().get("home") or os.environ.get("TAKEDOWN_HOME") or DEFAULT_HOME
            path = Path(home) / "takedown.toml"
            self._data = tomllib.loads(path.read_text("utf-8")) if path.is_file() else {}
        return self._data

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._load().get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        data = self._load()
        return {k: v for k, v in data.items() if k in self.settings_cls.model_fields}


class Settings(BaseSettings):
    """Every knob of a takedown installation, validated once."""

    model_config = SettingsConfigDict(env_prefix="TAKEDOWN_", extra="ignore")

    home: Path = Path(DEFAULT_HOME)
    mode: Literal["development", "production"] = "development"
    database_url: str = ""
    queue_url: str = ""
    proxy: str | None = None
    rdap_bootstrap_url: str | None = None
    # IANA-format ipv4.json/ipv6.json for the hosting network's abuse contact (default: bundled).
    rdap_ip_bootstrap_urls: list[str] = Field(default_factory=list)
    smtp_url: str | None = None
    smtp_from: str | None = None
    recheck_seconds: int = Field(3600, ge=1)
    renotice_seconds: int = Field(86400, ge=1)
    # First wait before re-sending through a mail server that is down; doubles, up to an hour.
    send_retry_seconds: float = Field(30.0, gt=0)
    chromium: str | None = None
    tsa_url: str | None = None
    # Ed25519 key signing custody and audit entries; kept OUTSIDE the home. Default in
    # development: ~/.config/takedown/signing.key (created); required in production.
    signing_key_file: Path | None = None
    # 32-byte AES-GCM key for media at rest, base64. Required in production mode.
    vault_key: SecretStr | None = None
    timezone: str = "Asia/Seoul"
    max_upload_bytes: int = Field(200 * 1024 * 1024, ge=1024)
    max_image_pixels: int = Field(64_000_000, ge=1)
    user_agent: str = "takedown/0.1 (+abuse-report-bot)"
    # Bounds on every request to the monitored web: a slow or hostile site is cut off here.
    fetch_connect_timeout: float = Field(10.0, gt=0)
    fetch_read_timeout: float = Field(20.0, gt=0)
    fetch_total_timeout: float = Field(60.0, gt=0)
    fetch_retries: int = Field(2, ge=0, le=10)
    fetch_per_host_concurrency: int = Field(4, ge=1, le=64)
    fetch_per_host_interval: float = Field(0.0, ge=0)
    # Pages one poll of one source may fetch; the rest wait for the next poll.
    poll_page_budget: int = Field(50, ge=1, le=10_000)
    # Origins ("http://127.0.0.1:8765") exempt from the SSRF guard: the demo web, test webs and
    # configured infrastructure. Everything else that is not a public address is refused.
    fetch_allow: list[str] = Field(default_factory=list)
    workers: int = Field(2, ge=1, le=64)
    sweep_seconds: int = Field(30, ge=1)
    # A task whose item has been in a working state this long is considered lost and re-queued.
    lease_seconds: int = Field(300, ge=1)
    scheduler_tick_seconds: float = Field(1.0, gt=0)
    reveal_allowed: bool = True
    reveal_seconds: int = Field(5, ge=1)
    # The center's identity, printed in every deletion request.
    center_name: str = "Digital Sex Crime Victim Support Center"
    center_designation: str = (
        "designated reporting body under Article 22-5 of the Telecommunications Business Act"
    )
    center_email: str = "takedown@center.invalid"
    center_phone: str = ""
    center_address: str = ""
    jurisdiction_override: str | None = None
    session_secret: SecretStr | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _HomeTomlSource(settings_cls, init_settings))

    @field_validator("vault_key")
    @classmethod
    def _check_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            try:
                raw = base64.b64decode(value.get_secret_value(), validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ValueError("vault_key must be base64") from exc
            if len(raw) != 32:
                raise ValueError("vault_key must decode to 32 bytes (AES-256)")
        return value

    @model_validator(mode="after")
    def _derive(self) -> Settings:
        self.home = self.home.expanduser().absolute()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.home / 'takedown.db'}"
        if not self.queue_url:
            self.queue_url = f"sqlite:///{self.home / 'queue.db'}"
        if self.mode == "production":
            if self.vault_key is None:
                raise ValueError("production mode needs TAKEDOWN_VAULT_KEY (base64, 32 bytes)")
            if self.session_secret is None:
                raise ValueError("production mode needs TAKEDOWN_SESSION_SECRET")
        return self

    @property
    def evidence_dir(self) -> Path:
        return self.home / "evidence"

    @property
    def vault_key_bytes(self) -> bytes | None:
        if self.vault_key is None:
            return None
        return base64.b64decode(self.vault_key.get_secret_value())


def load_settings(**overrides: Any) -> Settings:
    """Build settings from overrides (highest), the environment, then ``takedown.toml``."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
