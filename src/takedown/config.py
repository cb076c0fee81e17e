"""Settings: environment (``TAKEDOWN_*``) over ``$TAKEDOWN_HOME/takedown.toml`` over defaults.

Nothing is read at import time: call :func:`load_settings` once at start-up and pass the result down.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
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
        unknown = sorted(k for k in data if k not in self.settings_cls.model_fields)
        if unknown:
            # A mistyped key (say `smpt_url`) must not silently turn a feature off.
            raise ValueError(
                f"takedown.toml: unknown setting(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(self.settings_cls.model_fields))}"
            )
        return dict(data)


# Settings that may come from a file instead of the environment: TAKEDOWN_<NAME>_FILE=path, or a
# systemd credential called <name> (LoadCredential=vault_key:/etc/takedown/vault.key).
SECRET_FIELDS = ("vault_key", "session_secret", "smtp_url", "imap_url", "database_url", "queue_url")


class _SecretFilesSource(PydanticBaseSettingsSource):
    """Reads ``TAKEDOWN_*_FILE`` files and ``$CREDENTIALS_DIRECTORY/<name>`` for secret settings."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self().get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        creds = os.environ.get("CREDENTIALS_DIRECTORY")
        for name in SECRET_FIELDS:
            if name not in self.settings_cls.model_fields:
                continue
            path_text = os.environ.get(f"TAKEDOWN_{name.upper()}_FILE")
            path = Path(path_text) if path_text else None
            if path is None and creds:
                candidate = Path(creds) / name
                path = candidate if candidate.is_file() else None
            if path is not None:
                try:
                    out[name] = path.read_text("utf-8").strip()
                except OSError as exc:
                    raise ValueError(f"cannot read the {name} file {path}: {exc}") from exc
        return out


def weak_secret_problem(name: str, raw: bytes, min_length: int) -> str | None:
    """Why a secret is too weak for production, or None."""
    if len(raw) < min_length:
        return f"{name} is too short ({len(raw)} bytes; at least {min_length})"
    if len(set(raw)) < max(8, min_length // 4):
        return f"{name} has too little variety (repeated or all-zero bytes): make a random one"
    return None


class Settings(BaseSettings):
    """Every knob of a takedown installation, validated once."""

    model_config = SettingsConfigDict(env_prefix="TAKEDOWN_", extra="ignore")

    # Data directory: database, queue, evidence store, session key.
    home: Path = Path(DEFAULT_HOME)
    # development or production (production refuses missing or weak secrets and requires the second factor).
    mode: Literal["development", "production"] = "development"
    # SQLAlchemy URL (default: SQLite in the home).
    database_url: str = ""
    # Task queue: sqlite:///PATH (embedded, default in the home) or redis://.
    queue_url: str = ""
    # Proxy (http://, socks5://) for every request to the monitored web.
    proxy: str | None = None
    # URL of an IANA-format RDAP bootstrap file for domains (default: bundled snapshot).
    rdap_bootstrap_url: str | None = None
    # IANA-format ipv4.json/ipv6.json for the hosting network's abuse contact (default: bundled).
    rdap_ip_bootstrap_urls: list[str] = Field(default_factory=list)
    # smtp://host:port or smtps://user:pass@host:port; none disables sending.
    smtp_url: str | None = None
    # Sender address of deletion requests.
    smtp_from: str | None = None
    # The center's mailbox, read for replies and bounces: imaps://user:pass@host/INBOX
    # (imap:// is plain, for a loopback server; ?verify=0 accepts a private certificate), or
    # maildir:///path for a local Maildir. None: nothing is read. Nothing is ever sent from it.
    imap_url: str | None = None
    # How often the mailbox is read when the server offers no IDLE (and between IDLE windows).
    imap_poll_seconds: float = Field(60.0, gt=0)
    # How long one read waits in IMAP IDLE for new mail when the server offers it (0: never);
    # windows follow each other, so mail is read as it arrives. Kept short: a stopping worker
    # waits for the window to end.
    imap_idle_seconds: float = Field(30.0, ge=0, le=1740)
    # Interval of follow-up checks of reported URLs.
    recheck_seconds: int = Field(3600, ge=1)
    # A request still unanswered after this is sent again, then escalated.
    renotice_seconds: int = Field(86400, ge=1)
    # Reminders to the site before the escalations to the host, the CDN and the registrar.
    renotice_escalate_after: int = Field(2, ge=0, le=20)
    # After every escalation, a referral to the regulator (a draft, like every step).
    renotice_refer_regulator: bool = True
    # The regulator's address for that referral; none: the referral draft waits for one.
    regulator_email: str | None = None
    # Folder of web-form recipes (one .yaml/.json per site; default: <home>/webforms).
    webform_recipes_dir: Path | None = None
    # First wait before re-sending through a mail server that is down; doubles, up to an hour.
    send_retry_seconds: float = Field(30.0, gt=0)
    # Path of the Chromium binary for capture (default: found on PATH).
    chromium: str | None = None
    # RFC 3161 time-stamping authority for custody entries and the audit log's head.
    tsa_url: str | None = None
    # How often the audit log's newest entry is time-stamped (when tsa_url is set).
    audit_stamp_seconds: float = Field(3600.0, gt=0)
    # Ed25519 key signing custody and audit entries; kept OUTSIDE the home. Default in
    # development: ~/.config/takedown/homes/<hash of the home>/signing.key (created); required in
    # production.
    signing_key_file: Path | None = None
    # 32-byte AES-GCM key for media at rest, base64. Required in production mode.
    vault_key: SecretStr | None = None
    # Time zone the review UI shows times in.
    timezone: str = "Asia/Seoul"
    # Largest request body of a reference upload; /match and JSON calls have their own bounds.
    max_upload_bytes: int = Field(200 * 1024 * 1024, ge=1024)
    max_match_bytes: int = Field(50 * 1024 * 1024, ge=1024)
    max_body_bytes: int = Field(1024 * 1024, ge=1024)
    # Memory one uploaded image may take decoded (width x height x bands, before and after RGB);
    # checked from the header before any pixel is allocated. 160 MB is a 40 MP 8-bit RGB PNG.
    max_decode_bytes: int = Field(160 * 1024 * 1024, ge=1024 * 1024)
    # Hashing jobs the web process runs at once, and how long a request waits for a slot
    # before a 503 with Retry-After.
    web_hash_concurrency: int = Field(1, ge=1, le=64)
    web_hash_wait_seconds: float = Field(10.0, ge=0)
    # Largest image (width x height) any stage decodes.
    max_image_pixels: int = Field(64_000_000, ge=1)
    # Each video decoder (ffprobe, ffmpeg, fpcalc) is a child process under these limits: a
    # file that hangs or balloons it fails alone, with the reason on the media item.
    video_decode_timeout_seconds: float = Field(120.0, gt=0)
    video_decode_memory_mb: int = Field(2048, ge=64)
    # Fingerprint videos' sound (Chromaprint, needs fpcalc) as a second signal beside frames.
    video_audio: bool = True
    # User-Agent of every request to the monitored web.
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
    # OCR of images on pages (Tesseract), in the hash lane's spare time: text burned into an
    # image is matched against the case keywords. Off when false or when tesseract is missing.
    ocr_enabled: bool = True
    ocr_timeout_seconds: float = Field(20.0, gt=0, le=600)  # per image; the process is killed
    # Tesseract languages ("kor+eng"); empty: chosen by the page's language (kor, jpn, chi_sim,
    # rus, vie, each with eng).
    ocr_languages: str = ""
    ocr_batch: int = Field(8, ge=1, le=1000)  # images handed to OCR per scheduler tick
    # Origins ("http://127.0.0.1:8765") exempt from the SSRF guard: the demo web, test webs and
    # configured infrastructure. Everything else that is not a public address is refused.
    fetch_allow: list[str] = Field(default_factory=list)
    # Worker pools of the lanes (see `takedown pipeline`): each stage has its own inside its lane.
    poll_concurrency: int = Field(8, ge=1, le=256)  # polls in flight at once (I/O)
    fetch_concurrency: int = Field(8, ge=1, le=256)  # media downloads in flight at once
    hash_workers: int = Field(0, ge=0, le=64)  # CPU workers; 0: one per core
    # Captures at once on the one Chromium; keyword-only captures may hold a quarter of them.
    browser_contexts: int = Field(4, ge=1, le=32)
    render_concurrency: int = Field(1, ge=1, le=32)  # JavaScript-rendered polls at once
    # Browser pages kept for rendered polls, logins and web-form sends (captures never hold them).
    browser_render_pages: int = Field(2, ge=1, le=32)
    # Keyword-only captures run in a browser of their own at this lower CPU priority (nice), so a
    # backlog of them leaves the cores to the captures of matches; 0: in the one shared browser.
    browser_background_nice: int = Field(10, ge=0, le=19)
    notice_workers: int = Field(2, ge=1, le=32)  # drafting, re-checks
    # Pipeline stages and jobs beyond the built-ins ("module:Class" -> order; null disables one).
    pipeline_stages: dict[str, int | None] = Field(default_factory=dict)
    pipeline_jobs: dict[str, int | None] = Field(default_factory=dict)
    # Where evidence and every hand-over between workers live: shared storage when scaled.
    evidence_url: str = ""
    # The design before lanes (one queue, `single_queue_workers` threads): a benchmark baseline.
    pipeline_single_queue: bool = False
    single_queue_workers: int = Field(2, ge=1, le=64)
    # How long an approval in `takedown serve` waits to show whether the request went out.
    approve_wait_seconds: float = Field(10.0, ge=0, le=120)
    # How often the sweeper re-queues items stuck in a state.
    sweep_seconds: int = Field(30, ge=1)
    # A task whose item has been in a working state this long is considered lost and re-queued.
    lease_seconds: int = Field(300, ge=1)
    # How often the scheduler looks for due work.
    scheduler_tick_seconds: float = Field(1.0, gt=0)
    # Whether officers may unblur a preview (audited); how long it stays revealed.
    reveal_allowed: bool = True
    reveal_seconds: int = Field(5, ge=1)
    # Wellbeing: full reveals one officer may make per day (local midnight to midnight, counted
    # from the audit log); 0 means no limit. A gentle notice shows when a few are left.
    reveal_daily_cap: int = Field(30, ge=0)
    # A hash match (SHA-256, MD5, PDQ, vPDQ) with at least this confidence is marked decidable
    # from the blurred preview and the match facts, without a full reveal; above 1 turns it off.
    preview_approval_confidence: float = Field(0.9, ge=0, le=1.01)
    # Alerts: Apprise targets (see takedown.alerts.targets.AlertTarget), as a JSON list.
    alert_targets: list[dict[str, Any]] = Field(default_factory=list)
    alert_timeout: float = Field(10.0, gt=0, le=60)
    # How often new events (from the audit log) are gathered into alerts.
    alert_check_seconds: float = Field(15.0, gt=0)
    public_url: str = "http://127.0.0.1:8000"  # links in alerts point here
    # How often expired evidence artifacts are looked for and deleted.
    retention_check_seconds: float = Field(3600.0, gt=0)
    # Days an artifact of each evidence kind is kept (absent kind: kept); handed-over kept always.
    retention_days: dict[str, int] = Field(
        default_factory=lambda: {"media": 180, "screenshot": 730, "html": 730, "text": 730}
    )
    # The center's identity, printed in every deletion request.
    center_name: str = "Digital Sex Crime Victim Support Center"
    center_designation: str = (
        "designated reporting body under Article 22-5 of the Telecommunications Business Act"
    )
    center_email: str = "takedown@center.invalid"
    center_phone: str = ""
    center_address: str = ""
    # The officer or office that signs deletion requests. Approval is refused (and `takedown
    # serve` warns) until center_name, center_designation, center_email and this are set.
    center_signer: str = ""
    # The center's name and designation in each notice language (JSON {"ko": "...", ...}): the
    # signature is printed in the notice's language; without an entry the name above is used.
    center_name_translations: dict[str, str] = Field(default_factory=dict)
    center_designation_translations: dict[str, str] = Field(default_factory=dict)
    # Force the legal basis of one jurisdiction for every request (testing, special cases).
    jurisdiction_override: str | None = None
    # Key signing review-UI cookies (default: made once and kept in the home; required in production).
    session_secret: SecretStr | None = None
    # Hours a review-UI login lasts (the sessions table ends it earlier on logout and the like).
    session_hours: float = Field(8.0, gt=0, le=24 * 30)
    # TOTP second factor for officers and admins: None means required in production only.
    totp_required: bool | None = None
    # Proxies (CIDRs) whose X-Forwarded-For is believed; from anyone else the header is ignored.
    trusted_proxies: list[str] = Field(default_factory=list)
    # Hash exchange: lookups a partner token may make per minute (HMA routes at /m/); more is a 429.
    partner_lookups_per_minute: int = Field(600, ge=1, le=1_000_000)
    # Minutes a victim's one-time hash intake link stays open.
    intake_link_minutes: int = Field(60 * 24, ge=5, le=60 * 24 * 14)
    # Prometheus metrics server (its own address, loopback by default); "" turns it off.
    metrics_bind: str = "127.0.0.1:9464"
    # "text" for people, "json" for log collectors (one object per line).
    log_format: Literal["text", "json"] = "text"
    # Level of the root logger (DEBUG, INFO, WARNING, ...).
    log_level: str = "INFO"
    # /readyz fails when a lane's newest worker heartbeat is older than this, or the data
    # directory has less free space than min_free_bytes.
    heartbeat_stale_seconds: float = Field(120.0, gt=0)
    ready_lanes: list[str] = Field(default_factory=list)
    min_free_bytes: int = Field(1024 * 1024 * 1024, ge=0)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            _SecretFilesSource(settings_cls),
            _HomeTomlSource(settings_cls, init_settings),
        )

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

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        for cidr in value:
            try:
                ipaddress.ip_network(cidr.strip(), strict=False)
            except ValueError as exc:
                raise ValueError(f"trusted_proxies: {cidr!r} is not an address or CIDR") from exc
        return value

    @property
    def second_factor_required(self) -> bool:
        return self.mode == "production" if self.totp_required is None else self.totp_required

    @model_validator(mode="after")
    def _derive(self) -> Settings:
        self.home = self.home.expanduser().absolute()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.home / 'takedown.db'}"
        if not self.queue_url:
            self.queue_url = f"sqlite:///{self.home / 'queue.db'}"
        if not self.evidence_url:
            self.evidence_url = self.evidence_dir.as_uri()
        if self.mode == "production":
            if self.vault_key is None:
                raise ValueError("production mode needs TAKEDOWN_VAULT_KEY (base64, 32 bytes)")
            if self.session_secret is None:
                raise ValueError("production mode needs TAKEDOWN_SESSION_SECRET")
            problems = [
                weak_secret_problem(
                    "TAKEDOWN_SESSION_SECRET", self.session_secret.get_secret_value().encode(), 32
                ),
                weak_secret_problem("TAKEDOWN_VAULT_KEY", self.vault_key_bytes or b"", 32),
            ]
            found = [p for p in problems if p]
            if found:
                raise ValueError("; ".join(found))
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
