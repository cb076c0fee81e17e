"""Creating and changing sources, audited; shared by the API and the review UI."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from takedown.audit import Event, record
from takedown.fetch.guard import BlockedUrl, UrlGuard
from takedown.store.base import utcnow
from takedown.store.tables import Source

# Per-source settings kept in the ``options`` JSON column rather than columns of their own.
OPTION_FIELDS = ("proxy", "user_agent", "locale", "rate", "steps", "logged_out", "refetch_seconds")


class SourceRefused(ValueError):  # noqa: N818 - reads as the outcome
    """A source whose URL the fetcher would never be allowed to fetch; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"this source cannot be monitored: {reason}")
        self.reason = reason


def check_source_url(url: str, guard: UrlGuard) -> None:
    """Refuse a private, loopback or non-public address, a local name or a non-HTTP scheme.

    Names are not resolved here (behind a proxy, DNS happens there); the fetcher checks every
    address again at connect time. ``{keyword}`` of search templates is filled in first.
    """
    try:
        guard.check_literal(url.replace("{keyword}", "x"))
    except BlockedUrl as exc:
        raise SourceRefused(exc.reason) from exc


def add_source(
    s: Session, fields: dict[str, Any], actor: str, guard: UrlGuard | None = None
) -> Source:
    """A new source, due at once (the scheduler polls it on its next tick).

    ``guard`` (the fetcher's :class:`UrlGuard`, with its allow list) refuses URLs that could
    never be fetched, with :class:`SourceRefused`; without one, the default guard is used.
    """
    check_source_url(str(fields.get("url", "")), guard or UrlGuard())
    src = Source(**fields, state="idle", next_poll_at=utcnow(), poll_state={})
    s.add(src)
    s.flush()
    record(s, Event("source.create", actor, "source", src.id, {"url": src.url, "kind": src.kind}))
    return src


def change_source(s: Session, src: Source, changes: dict[str, Any], actor: str) -> None:
    for key, value in changes.items():
        setattr(src, key, value)
    # A new interval, or a resumed source, is polled at once rather than at the old time.
    if "interval_seconds" in changes or changes.get("paused") is False:
        src.next_poll_at = utcnow()
    record(s, Event("source.update", actor, "source", src.id, dict(changes)))


def split_fields(
    fields: dict[str, Any], src_options: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A source's fields as the table stores them: the per-source settings (OPTION_FIELDS) moved
    into ``options`` (merged into ``src_options``, a changed source's current ones; None, empty or
    [] removes one) and ``gated`` set when there are login steps; secrets are taken out (they are
    sealed apart). Used by the API, the review UI and the CLI alike."""
    fields.pop("secrets", None)
    options = dict(src_options or {})
    touched = False
    for name in OPTION_FIELDS:
        if name in fields:
            touched = True
            value = fields.pop(name)
            if value in (None, [], ""):
                options.pop(name, None)
            else:
                options[name] = value
    if touched or src_options is None:
        fields["options"] = options
        fields["gated"] = bool(options.get("steps"))
    return fields
