"""What the browser hands back: a capture's network exchanges, screenshot facts and limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CaptureLimits:
    """Bounds on one capture: time, screenshot height, bytes recorded."""

    budget_seconds: float = 45.0
    # After ``load``, the page settles until no request has been in flight for
    # ``settle_quiet_seconds`` (what its scripts fetch late is recorded too), at most
    # ``settle_seconds``.
    settle_seconds: float = 1.5
    settle_quiet_seconds: float = 0.3
    max_screenshot_height: int = 16_384
    max_response_bytes: int = 200 * 1024 * 1024
    max_total_bytes: int = 512 * 1024 * 1024
    max_requests: int = 1_000

    def __post_init__(self) -> None:
        if (
            self.budget_seconds <= 0
            or self.max_screenshot_height < 1
            or self.settle_quiet_seconds < 0
        ):
            raise ValueError("capture limits must be positive")


@dataclass(frozen=True)
class RenderedPage:
    final_url: str
    html: str
    status: int | None


@dataclass(frozen=True)
class Exchange:
    """One request the page made and the response it got (``status`` None if none came)."""

    url: str
    method: str
    date: datetime
    resource_type: str
    request_headers: Headers
    request_body: bytes | None
    status: int | None = None
    status_text: str = ""
    response_headers: Headers = ()
    body: bytes = b""
    # Why the body is incomplete or missing ("length", "time", "redirect", ...), None if whole.
    truncated: str | None = None
    # The address the guard proxy connected to for this request (the upstream proxy's when one
    # is chained), its port, what the host resolved to, and the upstream proxy's URL if any.
    ip_address: str | None = None
    error: str | None = None
    peer_port: int | None = None
    dns_answers: tuple[str, ...] = ()
    upstream_proxy: str | None = None
    # The TLS certificate the server presented (subject, issuer, validity, sha256), https only.
    certificate: dict[str, str] | None = None


@dataclass(frozen=True)
class BlockedRequest:
    url: str
    reason: str


@dataclass(frozen=True)
class ScreenshotInfo:
    width: int
    height: int
    page_height: int
    capped: bool


@dataclass(frozen=True)
class PageCapture:
    """Everything the browser saw of one page; files are written by ``takedown.evidence``."""

    url: str
    final_url: str
    status: int | None
    html: str
    screenshot: bytes | None
    screenshot_info: ScreenshotInfo | None
    exchanges: tuple[Exchange, ...]
    blocked: tuple[BlockedRequest, ...]
    popups: tuple[str, ...]
    dialogs: tuple[str, ...]
    timed_out: bool
    problems: tuple[str, ...]
    started_at: datetime
    finished_at: datetime
    browser_version: str
    user_agent: str
