"""Send an event to every target that wants it, in bounded time: safe to call from a worker."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.alerts.events import AlertEvent, render
from takedown.alerts.targets import AlertTarget
from takedown.config import Settings
from takedown.store.base import utcnow
from takedown.store.tables import Case

log = logging.getLogger(__name__)
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="alerts")


@dataclass(frozen=True)
class Delivery:
    url_scheme: str
    sent: bool
    reason: str = ""


def _send(url: str, title: str, body: str) -> bool:
    import apprise  # imported here: start-up does not pay for Apprise's plug-in scan

    box = apprise.Apprise()
    if not box.add(url):
        raise ValueError("Apprise does not accept this URL")
    return bool(box.notify(title=title, body=body))


def notify(
    session: Session, settings: Settings, event: AlertEvent, now: datetime | None = None
) -> list[Delivery]:
    """Tell the targets that want `event`; never raises, never waits past alert_timeout."""
    targets = []
    for raw in settings.alert_targets:
        try:
            targets.append(AlertTarget.model_validate(raw))
        except ValueError:
            log.warning("an alert target in the settings is invalid; skipped")
    if not targets:
        return []
    officer = None
    if event.case_id is not None:
        officer = session.execute(select(Case.officer).where(Case.id == event.case_id)).scalar()
    now = now or utcnow()
    title, body = render(event, settings.public_url)
    out = []
    for target in targets:
        scheme = target.url.split("://", 1)[0]
        if not target.wants(event.kind, officer):
            continue
        if target.quiet(now):
            out.append(Delivery(scheme, False, "quiet hours"))
            continue
        try:
            ok = _POOL.submit(_send, target.url, title, body).result(settings.alert_timeout)
            out.append(Delivery(scheme, ok, "" if ok else "not delivered"))
        except FutureTimeout:
            out.append(Delivery(scheme, False, "timed out"))
        except Exception as exc:
            log.warning("alert to a %s target failed: %s", scheme, type(exc).__name__)
            out.append(Delivery(scheme, False, type(exc).__name__))
    return out
