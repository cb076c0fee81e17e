"""One call that turns a fetched HTML page into everything the pipeline needs from it."""

from __future__ import annotations

from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

from takedown.extract.keywords import KeywordHit, KeywordMatcher
from takedown.extract.language import page_language
from takedown.extract.media import MediaRef, extract_media
from takedown.extract.text import Link, extract_links, extract_main_text, extract_title

__all__ = ["PageExtract", "extract_page"]


@dataclass(frozen=True)
class PageExtract:
    """What a page holds: media (absolute URLs), title, main text, language, links, hits."""

    url: str
    title: str
    text: str
    language: str | None
    media: tuple[MediaRef, ...]
    links: tuple[Link, ...]
    keyword_hits: tuple[KeywordHit, ...]


def extract_page(
    html: str,
    base_url: str,
    keywords: KeywordMatcher | None = None,
    *,
    language_hint: str | None = None,
) -> PageExtract:
    """Parse ``html`` fetched from ``base_url`` (the final URL after redirects).

    Keyword hits are searched in the title and the main text; their positions refer to
    ``title + "\\n" + text``. ``language_hint`` (a source's configured language) is used only
    when the page neither declares nor reveals one.
    """
    tree = LexborHTMLParser(html)
    title = extract_title(tree)
    text = extract_main_text(html, tree, base_url)
    hits = keywords.find(f"{title}\n{text}") if keywords else []
    return PageExtract(
        url=base_url,
        title=title,
        text=text,
        language=page_language(tree, text) or language_hint,
        media=tuple(extract_media(tree, base_url)),
        links=tuple(extract_links(tree, base_url)),
        keyword_hits=tuple(hits),
    )
