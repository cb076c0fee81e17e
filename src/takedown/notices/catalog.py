"""Gettext catalogues of deletion requests: loading Babel ``.po`` files, choosing a language.

Catalogues are read straight from the committed ``.po`` files with Babel at run time, so the build
needs no compile step. English is the source language: an English lookup returns the msgid.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).with_name("locales")
SOURCE_LANGUAGE = "en"
SUPPORTED_LANGUAGES: tuple[str, ...] = ("ko", "en", "ja", "zh", "ru", "vi", "es")
DOMAINS: tuple[str, ...] = ("notices", "law")


class CatalogError(Exception):
    """A catalogue is missing or does not parse."""


def normalize_language(tag: str | None) -> str | None:
    """``"zh-Hans-CN"`` → ``"zh"``, ``"KO_kr"`` → ``"ko"``; ``None`` when not supported."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in SUPPORTED_LANGUAGES else None


def choose_language(site_language: str | None, preferred: Iterable[str] = ()) -> str:
    """The site's language when supported, else a supported one it prefers, else English.

    ``preferred`` is, for instance, security.txt's ``Preferred-Languages``.
    """
    for tag in (site_language, *preferred):
        lang = normalize_language(tag)
        if lang is not None:
            return lang
    return SOURCE_LANGUAGE


@functools.cache
def load_catalog(language: str, domain: str) -> Catalog | None:
    """The parsed catalogue, or ``None`` for the source language (msgids are English)."""
    if language == SOURCE_LANGUAGE:
        return None
    if language not in SUPPORTED_LANGUAGES or domain not in DOMAINS:
        raise CatalogError(f"no catalogue {domain!r} for language {language!r}")
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{domain}.po"
    try:
        with path.open("rb") as fh:
            return read_po(fh, locale=language, domain=domain)
    except (OSError, ValueError) as exc:
        raise CatalogError(f"cannot read {path}: {exc}") from exc


class Translator:
    """Looks messages up in one language; untranslated or fuzzy entries fall back to English."""

    def __init__(self, language: str) -> None:
        if language not in SUPPORTED_LANGUAGES:
            raise CatalogError(f"unsupported language {language!r}")
        self.language = language

    def gettext(self, msgid: str, *, domain: str = "notices", context: str | None = None) -> str:
        catalog = load_catalog(self.language, domain)
        if catalog is None:
            return msgid
        message = catalog.get(msgid, context=context)
        if message is None or message.fuzzy or not isinstance(message.string, str):
            return msgid
        return message.string or msgid

    def format(
        self, msgid: str, *, domain: str = "notices", context: str | None = None, **values: str
    ) -> str:
        """Translate, then fill ``{name}`` placeholders."""
        return self.gettext(msgid, domain=domain, context=context).format_map(values)
