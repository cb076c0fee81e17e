"""Re-checks of reported content (404, 410, page without the media, file replaced) and next steps."""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image, ImageDraw

from takedown.fetch.guard import UrlGuard
from takedown.fetch.http import Fetcher
from takedown.notices.contacts.model import Contact, ContactSet
from takedown.notices.followup import (
    MediaHash,
    RecheckResult,
    check_removed,
    default_pdq,
    next_escalation,
    next_step,
    pdq_distance,
    removal_phrase,
)
from tests.notices.conftest import Site


def _image(seed: int, quality: int = 90) -> bytes:
    """A benign generated picture: coloured shapes on a gradient."""
    img = Image.new("RGB", (256, 192))
    draw = ImageDraw.Draw(img)
    for y in range(192):
        draw.line([(0, y), (255, y)], fill=(y, (y * seed) % 255, 255 - y))
    for k in range(6):
        x, y = (37 * (k + seed)) % 200, (53 * (k + 2 * seed)) % 140
        draw.ellipse([x, y, x + 50, y + 40], fill=((90 * k) % 255, (40 * seed) % 255, 120))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


PAGE = '<html lang="en"><body><h1>gallery</h1><img srcset="/m/1.jpg 1x, /m/1-2x.jpg 2x"><p>x</p></body></html>'
EMPTY_PAGE = "<html><body><h1>gallery</h1><p>This post has been removed.</p></body></html>"


@pytest.fixture
def site(make_site: Callable[[], Site]) -> Site:
    site = make_site()
    site.html("/post/1", PAGE)
    site.data("/m/1.jpg", _image(1), "image/jpeg")
    return site


def _check(
    site: Site, media: Sequence[str], hashes: Mapping[str, MediaHash], **kw: bool
) -> RecheckResult:
    async def main() -> RecheckResult:
        async with Fetcher(guard=UrlGuard(allow=[site.origin])) as fetcher:
            return await check_removed(fetcher, site.url("/post/1"), media, hashes, **kw)

    return asyncio.run(main())


def _hashes(site: Site) -> dict[str, MediaHash]:
    content = _image(1)
    return {
        site.url("/m/1.jpg"): MediaHash(hashlib.sha256(content).hexdigest(), default_pdq(content))
    }


def test_still_online(site: Site) -> None:
    result = _check(site, [site.url("/m/1.jpg")], _hashes(site))
    assert not result.removed and result.conclusive
    assert result.media[0].reason.startswith("file still served unchanged")


@pytest.mark.parametrize("status", [404, 410])
def test_page_gone(site: Site, status: int) -> None:
    site.status("/post/1", status)
    result = _check(site, [site.url("/m/1.jpg")], _hashes(site))
    assert result.removed and result.status == status


def test_page_without_the_media(site: Site) -> None:
    media = [site.url("/m/1.jpg")]
    site.html("/post/1", EMPTY_PAGE)
    # The file itself is still served at its URL: not removed yet, unless told otherwise.
    strict = _check(site, media, _hashes(site))
    assert not strict.removed and "still served" in strict.reason
    lenient = _check(site, media, _hashes(site), media_must_be_gone=False)
    assert lenient.removed and "no longer links" in lenient.reason
    site.status("/m/1.jpg", 404)
    both = _check(site, media, _hashes(site))
    assert both.removed


def test_media_hash_changed(site: Site) -> None:
    media = [site.url("/m/1.jpg")]
    # Re-encoded copy: other bytes, same picture → still there.
    site.data("/m/1.jpg", _image(1, quality=40), "image/jpeg")
    assert not _check(site, media, _hashes(site)).removed
    # A different picture (e.g. a "removed" placeholder) under the same URL → removed.
    site.data("/m/1.jpg", _image(7), "image/jpeg")
    result = _check(site, media, _hashes(site))
    assert result.removed and result.media[0].reason.startswith("file replaced")


def test_unreachable_site_is_inconclusive(make_site: Callable[[], Site]) -> None:
    site = make_site()
    origin = site.origin
    site.server.stop()

    async def main() -> RecheckResult:
        async with Fetcher(guard=UrlGuard(allow=[origin])) as fetcher:
            return await check_removed(fetcher, origin + "/post/1", [], {})

    result = asyncio.run(main())
    assert not result.removed and not result.conclusive


def test_text_only_detection_uses_phrases(site: Site) -> None:
    assert not _check(site, [], {}).removed
    site.html("/post/1", "<html><body>이 게시물은 삭제되었습니다.</body></html>")
    assert _check(site, [], {}).removed


def test_pdq_helpers() -> None:
    a, b = default_pdq(_image(1)), default_pdq(_image(1, quality=40))
    assert a is not None and b is not None and pdq_distance(a, b) <= 31
    assert default_pdq(b"not an image") is None
    assert removal_phrase("Страница не найдена") == "не найден"
    assert removal_phrase("nothing to see") is None


CONTACTS = ContactSet(
    domain="site.test",
    contacts=(
        Contact("abuse@site.test", "site", "u1"),
        Contact("security@site.test", "security.txt", "u2"),
        Contact("noc@hosting.test", "rdap-network", "u3"),
        Contact("abuse@reg.test", "rdap-registrar", "u4"),
    ),
)


def test_next_step_waits_reminds_then_escalates() -> None:
    sent = datetime(2026, 11, 1, tzinfo=UTC)
    day = timedelta(days=1)
    common = {"renotice_after": day, "contacts": CONTACTS}
    wait = next_step(
        last_sent_at=sent, now=sent + day / 2, reminders_sent=0, tried=["abuse@site.test"], **common
    )
    assert (wait.action, wait.at) == ("wait", sent + day)
    remind = next_step(
        last_sent_at=sent, now=sent + day, reminders_sent=0, tried=["abuse@site.test"], **common
    )
    assert remind.action == "remind"
    tried = ["abuse@site.test"]
    seen = []
    for _ in range(4):
        step = next_step(last_sent_at=sent, now=sent + day, reminders_sent=1, tried=tried, **common)
        if step.action == "exhausted":
            break
        assert step.action == "escalate" and step.contact is not None
        seen.append((step.contact.address, step.role))
        tried.append(step.contact.address)
    assert seen == [
        ("security@site.test", None),
        ("noc@hosting.test", "network"),
        ("abuse@reg.test", "registrar"),
    ]
    assert next_escalation(CONTACTS, [c.address.upper() for c in CONTACTS.contacts]) is None
