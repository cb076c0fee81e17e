"""Media references on a page: every way an image or video is linked, as absolute URLs.

Covers ``img`` src/srcset and lazy-loading attributes, ``picture``/``source``, ``og:image``,
``twitter:image`` and ``og:video``, CSS ``background-image`` in style attributes and style
elements, ``video`` src/``source``/poster, and plain links to media files by extension.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = [
    "MediaKind",
    "MediaRef",
    "base_url_of",
    "extract_media",
    "media_kind_from_url",
    "parse_srcset",
]

MediaKind = Literal["image", "video"]

IMAGE_EXTENSIONS = frozenset(
    {
        "jpg",
        "jpeg",
        "jpe",
        "jfif",
        "png",
        "gif",
        "webp",
        "bmp",
        "avif",
        "heic",
        "heif",
        "tif",
        "tiff",
    }
)
VIDEO_EXTENSIONS = frozenset(
    {
        "mp4",
        "m4v",
        "webm",
        "mov",
        "mkv",
        "avi",
        "flv",
        "wmv",
        "mpg",
        "mpeg",
        "3gp",
        "ts",
        "ogv",
        "m3u8",
    }
)
# Attributes lazy-loading scripts read the real address from, most common first.
LAZY_SRC = (
    "data-src",
    "data-original",
    "data-lazy-src",
    "data-lazy",
    "data-url",
    "data-original-src",
    "data-hi-res-src",
    "data-full",
    "data-full-src",
    "data-large-src",
    "data-zoom-image",
    "data-echo",
    "data-img",
    "data-image",
)
LAZY_SRCSET = ("data-srcset", "data-lazy-srcset", "data-original-set")
_META_IMAGE = (
    "og:image",
    "og:image:url",
    "og:image:secure_url",
    "twitter:image",
    "twitter:image:src",
)
_META_VIDEO = ("og:video", "og:video:url", "og:video:secure_url", "twitter:player:stream")
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_CSS_BACKGROUND = re.compile(r"background(?:-image)?\s*:[^;}]*", re.IGNORECASE)


@dataclass(frozen=True)
class MediaRef:
    """A media file a page links: absolute ``url``, its ``kind``, and where it was found."""

    url: str
    kind: MediaKind
    found_in: str  # e.g. "img[src]", "picture>source[srcset]", "meta[og:image]", "a[href]"


def media_kind_from_url(url: str) -> MediaKind | None:
    """``image`` or ``video`` by the path's extension, else None."""
    path = urlsplit(url).path.lower()
    extension = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    if extension in IMAGE_EXTENSIONS:
        return "image"
    if extension in VIDEO_EXTENSIONS:
        return "video"
    return None


def parse_srcset(value: str) -> list[str]:
    """The URLs of a ``srcset`` value, following the HTML parsing rules (commas in URLs kept)."""
    urls: list[str] = []
    position = 0
    length = len(value)
    while position < length:
        while position < length and (value[position].isspace() or value[position] == ","):
            position += 1
        start = position
        while position < length and not value[position].isspace():
            position += 1
        url = value[start:position]
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            # Skip descriptors ("2x", "640w"), up to the comma that ends the candidate.
            depth = 0
            while position < length and (value[position] != "," or depth):
                depth += {"(": 1, ")": -1}.get(value[position], 0)
                position += 1
        if url:
            urls.append(url)
    return urls


def base_url_of(tree: LexborHTMLParser, page_url: str) -> str:
    """The URL relative links resolve against: ``<base href>`` when present and http(s)."""
    base = tree.css_first("base[href]")
    href = (base.attributes.get("href") or "").strip() if base is not None else ""
    if href:
        resolved = urljoin(page_url, href)
        if urlsplit(resolved).scheme in ("http", "https"):
            return resolved
    return page_url


class _Collector:
    def __init__(self, base: str) -> None:
        self.base = base
        self.found: dict[str, MediaRef] = {}

    def add(self, raw: str | None, kind: MediaKind | None, found_in: str) -> None:
        if not raw:
            return
        raw = raw.strip()
        if not raw or raw.startswith(("data:", "javascript:", "blob:", "about:", "#")):
            return
        try:
            url = urljoin(self.base, raw).split("#", 1)[0]
            scheme = urlsplit(url).scheme
        except ValueError:
            return  # a malformed address on a hostile page is skipped, never fatal
        if scheme not in ("http", "https"):
            return
        kind = kind or media_kind_from_url(url)
        if kind is not None and url not in self.found:
            self.found[url] = MediaRef(url, kind, found_in)


def _attr(node: LexborNode, name: str) -> str | None:
    return node.attributes.get(name)


def _kind_of_source(node: LexborNode, default: MediaKind) -> MediaKind:
    declared = (_attr(node, "type") or "").lower()
    if declared.startswith("video/"):
        return "video"
    if declared.startswith("image/"):
        return "image"
    return default


def extract_media(tree: LexborHTMLParser, page_url: str) -> list[MediaRef]:
    """Every image and video a parsed page links, in document order, each URL once."""
    found = _Collector(base_url_of(tree, page_url))
    for node in tree.css("img, picture source, video, video source, a[href], link"):
        tag = node.tag or ""
        parent = node.parent.tag if node.parent is not None else ""
        if tag == "img":
            found.add(_attr(node, "src"), "image", "img[src]")
            for name in LAZY_SRC:
                found.add(_attr(node, name), "image", f"img[{name}]")
            for name in ("srcset", *LAZY_SRCSET):
                for url in parse_srcset(_attr(node, name) or ""):
                    found.add(url, "image", f"img[{name}]")
        elif tag == "source" and parent == "picture":
            for name in ("srcset", *LAZY_SRCSET, "src"):
                for url in parse_srcset(_attr(node, name) or ""):
                    found.add(url, _kind_of_source(node, "image"), f"picture>source[{name}]")
        elif tag == "video":
            found.add(_attr(node, "src"), "video", "video[src]")
            found.add(_attr(node, "data-src"), "video", "video[data-src]")
            found.add(_attr(node, "poster"), "image", "video[poster]")
        elif tag == "source" and parent == "video":
            found.add(_attr(node, "src"), _kind_of_source(node, "video"), "video>source[src]")
            found.add(_attr(node, "data-src"), "video", "video>source[data-src]")
        elif tag == "a":
            found.add(_attr(node, "href"), None, "a[href]")
        elif tag == "link" and "image_src" in (_attr(node, "rel") or "").lower().split():
            found.add(_attr(node, "href"), "image", "link[image_src]")
    for node in tree.css("meta[content]"):
        name = (_attr(node, "property") or _attr(node, "name") or "").strip().lower()
        if name in _META_IMAGE:
            found.add(_attr(node, "content"), "image", f"meta[{name}]")
        elif name in _META_VIDEO:
            found.add(_attr(node, "content"), "video", f"meta[{name}]")
    for node in tree.css("[style]"):
        for url in css_background_urls(_attr(node, "style") or ""):
            found.add(url, "image", "style[background-image]")
    for node in tree.css("style"):
        for url in css_background_urls(node.text(deep=True) or ""):
            found.add(url, "image", "style-element[background-image]")
    return list(found.found.values())


def css_background_urls(css: str) -> list[str]:
    """``url(...)`` values of ``background`` and ``background-image`` declarations."""
    urls: list[str] = []
    for declaration in _CSS_BACKGROUND.finditer(css):
        urls.extend(match.group(2).strip() for match in _CSS_URL.finditer(declaration.group(0)))
    return urls
