"""The language a page is written in: what the page declares, else what its text looks like."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from selectolax.lexbor import LexborHTMLParser

__all__ = ["SUPPORTED_LANGUAGES", "declared_language", "detect_language", "page_language"]

# The languages deletion requests are written in, and a few more that monitored sites use.
SUPPORTED_LANGUAGES = (
    "ko", "en", "ja", "zh", "ru", "vi", "es", "fr", "de", "pt", "id", "th", "tr", "ar", "it",
)  # fmt: skip
_TAG = re.compile(r"^([a-z]{2,3})(?:[-_]|$)", re.IGNORECASE)
_MIN_LETTERS = 3


def _primary(tag: str | None) -> str | None:
    """``ko-KR`` -> ``ko``; None for empty or malformed tags and ``x-``/``und``."""
    match = _TAG.match((tag or "").strip())
    if match is None:
        return None
    code = match.group(1).lower()
    return None if code in ("und", "zxx", "mul") else code


def declared_language(tree: LexborHTMLParser) -> str | None:
    """``<html lang>``, else ``Content-Language`` meta, else ``og:locale``."""
    html = tree.css_first("html")
    candidates = [html.attributes.get("lang") or html.attributes.get("xml:lang")] if html else []
    for selector in ('meta[http-equiv="content-language" i]', 'meta[property="og:locale"]'):
        node = tree.css_first(selector)
        if node is not None:
            candidates.append(node.attributes.get("content"))
    for candidate in candidates:
        code = _primary(candidate)
        if code:
            return code
    return None


@cache
def _detector() -> Any:
    # Built on first use: restricted to our languages it loads in moments, not at import time.
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [
        Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in SUPPORTED_LANGUAGES
    ]
    return LanguageDetectorBuilder.from_languages(*languages).build()


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language among :data:`SUPPORTED_LANGUAGES`, or None."""
    sample = text[:4000]
    if sum(ch.isalpha() for ch in sample) < _MIN_LETTERS:
        return None
    language = _detector().detect_language_of(sample)
    if language is None:
        return None
    return str(language.iso_code_639_1.name.lower())


def page_language(tree: LexborHTMLParser, text: str) -> str | None:
    """The declared language when the page declares one, else the detected one."""
    return declared_language(tree) or detect_language(text)
