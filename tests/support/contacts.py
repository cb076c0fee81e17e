"""A site's abuse contacts as the contact lookup caches them, so that drafting and re-rendering
find them there and look nothing up."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from takedown.notices.contacts.discover import site_key
from takedown.store.base import utcnow
from takedown.store.tables import Contact


def cache_contacts(s: Session, page_url: str, contacts: list[tuple[str, str]]) -> None:
    """(address, source) pairs for the site of ``page_url``, best first, found on that page."""
    for rank, (address, source) in enumerate(contacts):
        s.add(
            Contact(
                domain=site_key(page_url),
                address=address,
                source=source,
                source_url=page_url,
                rank=rank,
                detail={},
                expires_at=utcnow() + timedelta(days=1),
            )
        )
