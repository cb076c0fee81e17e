"""Where an officer is alerted (an Apprise URL), about what, and when not (quiet hours)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from takedown.alerts.events import EVENT_KINDS

# Apprise schemes an alert may use: e-mail, Telegram, Slack, JSON webhooks (also the
# KakaoTalk-compatible gateways, which take a JSON POST).
SCHEMES = ("mailto", "mailtos", "tgram", "slack", "json", "jsons")


class AlertTarget(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(min_length=6, max_length=2000)
    officer: str | None = None  # only events of cases assigned to this officer (None: all)
    events: tuple[str, ...] = EVENT_KINDS
    quiet_start: time | None = None  # e.g. 22:00
    quiet_end: time | None = None  # e.g. 07:00
    timezone: str = "Asia/Seoul"

    @field_validator("url")
    @classmethod
    def _scheme(cls, value: str) -> str:
        if value.split("://", 1)[0].lower() not in SCHEMES:
            raise ValueError(f"an alert URL must use one of {', '.join(SCHEMES)}")
        return value

    @field_validator("events")
    @classmethod
    def _events(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [e for e in value if e not in EVENT_KINDS]
        if bad:
            raise ValueError(f"unknown events {bad}; choose from {', '.join(EVENT_KINDS)}")
        return value

    def quiet(self, now: datetime) -> bool:
        """Inside quiet hours (which may span midnight) at `now`, in the target's zone."""
        if self.quiet_start is None or self.quiet_end is None:
            return False
        local = now.astimezone(ZoneInfo(self.timezone)).time()
        if self.quiet_start <= self.quiet_end:
            return self.quiet_start <= local < self.quiet_end
        return local >= self.quiet_start or local < self.quiet_end

    def wants(self, kind: str, case_officer: str | None) -> bool:
        if kind not in self.events:
            return False
        return self.officer is None or self.officer == case_officer
