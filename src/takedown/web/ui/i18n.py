"""The review UI's languages (Korean and English) from Babel ``.po`` catalogues read at start-up.

Message ids are English; the English catalogue exists so that translators see every message.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).with_name("locales")
DOMAIN = "ui"
LANGUAGES: dict[str, str] = {"ko": "한국어", "en": "English"}
DEFAULT_LANGUAGE = "ko"

Gettext = Callable[..., str]


@functools.cache
def messages(language: str) -> dict[str, str]:
    """msgid → translation of one catalogue (untranslated entries are left out)."""
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=language, domain=DOMAIN)
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string
    }


def pick_language(*candidates: str | None) -> str:
    """The first supported language among user setting, session, Accept-Language."""
    for tag in candidates:
        for part in (tag or "").split(","):
            primary = part.split(";")[0].strip().replace("_", "-").split("-")[0].lower()
            if primary in LANGUAGES:
                return primary
    return DEFAULT_LANGUAGE


def translator(language: str) -> Gettext:
    """A ``_(msgid, **params)`` for templates and views; params are ``str.format`` fields."""
    table = messages(language if language in LANGUAGES else DEFAULT_LANGUAGE)

    def gettext(msgid: str, /, **params: object) -> str:
        text = table.get(msgid, msgid)
        return text.format(**params) if params else text

    return gettext
