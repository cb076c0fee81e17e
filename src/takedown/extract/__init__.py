"""Extraction: media, text, language and keyword hits from fetched pages."""

from takedown.extract.keywords import KeywordHit, KeywordMatcher, Variant, generate_variants
from takedown.extract.media import MediaRef, extract_media
from takedown.extract.page import PageExtract, extract_page

__all__ = [
    "KeywordHit",
    "KeywordMatcher",
    "MediaRef",
    "PageExtract",
    "Variant",
    "extract_media",
    "extract_page",
    "generate_variants",
]
