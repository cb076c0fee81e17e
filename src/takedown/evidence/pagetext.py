"""What a captured page says and points to: its visible text and every URL it references."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin

from selectolax.lexbor import LexborHTMLParser

_INVISIBLE = ["script", "style", "noscript", "template"]
_LINK_ATTRS = (
    ("a[href]", "href"),
    ("area[href]", "href"),
    ("iframe[src]", "src"),
    ("form[action]", "action"),
)
_MEDIA_ATTRS = (
    ("img[src]", "src"),
    ("img[data-src]", "data-src"),
    ("video[src]", "src"),
    ("video[poster]", "poster"),
    ("audio[src]", "src"),
    ("source[src]", "src"),
    ("embed[src]", "src"),
    ("object[data]", "data"),
)


@dataclass(frozen=True)
class PageUrls:
    links: tuple[str, ...]
    media: tuple[str, ...]


def visible_text(html: str) -> str:
    """The page's text as a reader sees it, one block per line, scripts and styles dropped."""
    tree = LexborHTMLParser(html)
    tree.strip_tags(_INVISIBLE)
    root = tree.body or tree.root
    if root is None:
        return ""
    title = tree.css_first("title")
    text = root.text(separator="\n", strip=True)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if title is not None and title.text(strip=True):
        lines.insert(0, title.text(strip=True))
    return "\n".join(lines) + ("\n" if lines else "")


def _absolute(base: str, value: str) -> str | None:
    value = value.strip()
    if not value or value.startswith(("javascript:", "data:", "mailto:", "#")):
        return None
    url = urldefrag(urljoin(base, value)).url
    return url if url.startswith(("http://", "https://")) else None


def _collect(tree: LexborHTMLParser, base: str, pairs: tuple[tuple[str, str], ...]) -> list[str]:
    found: dict[str, None] = {}
    for selector, attr in pairs:
        for node in tree.css(selector):
            url = _absolute(base, node.attributes.get(attr) or "")
            if url:
                found[url] = None
    return list(found)


def page_urls(html: str, base_url: str) -> PageUrls:
    """Every link and media URL in the HTML, absolute, de-duplicated, in document order."""
    tree = LexborHTMLParser(html)
    base_node = tree.css_first("base[href]")
    if base_node is not None:
        base_url = urljoin(base_url, base_node.attributes.get("href") or "")
    media = _collect(tree, base_url, _MEDIA_ATTRS)
    for node in tree.css("img[srcset], source[srcset]"):
        for candidate in (node.attributes.get("srcset") or "").split(","):
            url = _absolute(base_url, candidate.strip().split(" ")[0])
            if url and url not in media:
                media.append(url)
    return PageUrls(tuple(_collect(tree, base_url, _LINK_ATTRS)), tuple(media))
