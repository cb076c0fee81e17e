"""The abuse/report/DMCA address a site publishes itself, on its contact or report pages.

Pure parsing (:func:`extract_addresses`, :func:`candidate_pages`) plus one async crawl of a few
likely pages through the :class:`~takedown.fetch.http.Fetcher`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from takedown.fetch.http import Fetcher, FetchError
from takedown.notices.contacts.model import Contact, is_email

# Words that mark a link to a contact/report page, in the supported languages.
_PAGE_WORDS = (
    "abuse",
    "report",
    "dmca",
    "takedown",
    "removal",
    "remove",
    "contact",
    "legal",
    "copyright",
    "about",
    "imprint",
    "impressum",
    "privacy",
    "complaint",
    "support",
    "신고",
    "문의",
    "연락",
    "고객센터",
    "저작권",
    "삭제",
    "通報",
    "お問い合わせ",
    "問い合わせ",
    "削除",
    "著作権",
    "举报",
    "联系",
    "投诉",
    "删除",
    "版权",
    "жалоб",
    "контакт",
    "связ",
    "правообладател",
    "удален",
    "báo cáo",
    "liên hệ",
    "khiếu nại",
    "bản quyền",
    "gỡ bỏ",
    "denuncia",
    "contacto",
    "aviso legal",
    "derechos de autor",
    "retirada",
)
# Paths tried when the pages themselves link nothing useful.
FALLBACK_PATHS = ("/contact", "/dmca", "/abuse", "/report", "/about")

# How much an address looks like the right one, from its local part and its surrounding text.
_ROLE_SCORES: tuple[tuple[str, int], ...] = (
    ("abuse", 100),
    ("dmca", 95),
    ("takedown", 90),
    ("removal", 90),
    ("report", 85),
    ("legal", 75),
    ("copyright", 70),
    ("complaint", 70),
    ("trust", 65),
    ("safety", 65),
    ("privacy", 40),
    ("support", 30),
    ("help", 30),
    ("contact", 25),
    ("admin", 20),
    ("webmaster", 20),
    ("info", 15),
)
_NEVER = ("noreply", "no-reply", "donotreply", "mailer-daemon", "example.com")
_TEXT_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


@dataclass(frozen=True)
class FoundAddress:
    address: str
    score: int
    page: str


def score_address(address: str, context: str = "") -> int:
    """0 for addresses never to use; else higher for abuse/DMCA/report-like ones (min. 10)."""
    lowered = address.lower()
    if any(bad in lowered for bad in _NEVER):
        return 0
    local = lowered.split("@", 1)[0]
    best = 10
    for word, score in _ROLE_SCORES:
        if word in local:
            best = max(best, score)
        elif word in context.lower():
            best = max(best, score - 10)
    return best


def _mailto_addresses(href: str) -> list[str]:
    target = unquote(href.split(":", 1)[1]).split("?", 1)[0]
    return [a.strip() for a in target.split(",") if a.strip()]


def extract_addresses(html: str, page_url: str) -> list[FoundAddress]:
    """Addresses in ``mailto:`` links (with their link text as context) and in the page text."""
    tree = LexborHTMLParser(html)
    found: dict[str, FoundAddress] = {}

    def add(address: str, context: str) -> None:
        address = address.strip().strip(".").lower()
        if not is_email(address):
            return
        score = score_address(address, context)
        if score and (address not in found or found[address].score < score):
            found[address] = FoundAddress(address, score, page_url)

    for node in tree.css("a[href]"):
        href = (node.attributes.get("href") or "").strip()
        if href[:7].lower() == "mailto:":
            for address in _mailto_addresses(href):
                add(address, node.text(strip=True) or "")
    body = tree.body
    text = body.text(separator=" ") if body is not None else ""
    for match in _TEXT_EMAIL.finditer(text):
        start = max(0, match.start() - 60)
        add(match.group(0), text[start : match.start()])
    return sorted(found.values(), key=lambda f: -f.score)


def candidate_pages(html: str, page_url: str, *, limit: int = 6) -> list[str]:
    """Same-site links whose URL or text looks like a contact, report, about or DMCA page."""
    tree = LexborHTMLParser(html)
    origin = urlsplit(page_url)
    ranked: list[tuple[int, str]] = []
    seen: set[str] = set()
    for node in tree.css("a[href]"):
        href = (node.attributes.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
            continue
        url = urljoin(page_url, href).split("#", 1)[0]
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc != origin.netloc or url in seen:
            continue
        haystack = f"{unquote(parts.path)} {node.text(strip=True)}".lower()
        for rank, word in enumerate(_PAGE_WORDS):
            if word in haystack:
                # Footer links come last in the page but matter as much: rank by the word only.
                ranked.append((rank, url))
                seen.add(url)
                break
    ranked.sort(key=lambda item: item[0])
    return [url for _, url in ranked[:limit]]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def find_site_contacts(
    fetcher: Fetcher, page_url: str, *, max_pages: int = 8, good_enough: int = 80
) -> tuple[list[Contact], list[str]]:
    """Crawl the page, the home page and likely contact pages; return contacts and errors.

    Stops early once an address scoring ``good_enough`` (abuse/DMCA/report-like) is found.
    """
    queue: list[str] = [page_url, _origin(page_url) + "/"]
    visited: set[str] = set()
    found: dict[str, FoundAddress] = {}
    errors: list[str] = []
    fallbacks_added = False
    while len(visited) < max_pages:
        if not queue:
            if fallbacks_added:
                break
            fallbacks_added = True
            queue.extend(_origin(page_url) + p for p in FALLBACK_PATHS)
        url = queue.pop(0)
        if url in visited:
            continue
        visited.add(url)
        try:
            response = await fetcher.get(url, kind="page")
        except FetchError as exc:
            errors.append(f"{url}: {exc.reason}")
            continue
        if not response.ok or "html" not in response.media_type:
            continue
        html = response.text()
        for item in extract_addresses(html, response.final_url):
            if item.address not in found or found[item.address].score < item.score:
                found[item.address] = item
        if any(f.score >= good_enough for f in found.values()):
            break
        queue.extend(u for u in candidate_pages(html, response.final_url) if u not in visited)
    return _to_contacts(found.values()), errors


def _to_contacts(found: Iterable[FoundAddress]) -> list[Contact]:
    ordered = sorted(found, key=lambda f: -f.score)
    return [
        Contact(
            address=f.address,
            source="site",
            found_at=f.page,
            note="" if f.score >= 60 else "generic address, not an abuse desk",
        )
        for f in ordered
    ]
