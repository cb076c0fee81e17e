"""The catalogues: complete, placeholders intact, marked for human review, language choice."""

from __future__ import annotations

import re
import string

import pytest
from babel.messages.pofile import read_po

from takedown.notices import messages
from takedown.notices.catalog import (
    LOCALES_DIR,
    SUPPORTED_LANGUAGES,
    Translator,
    choose_language,
    normalize_language,
)
from takedown.notices.law import JURISDICTIONS

TRANSLATED = [lang for lang in SUPPORTED_LANGUAGES if lang != "en"]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _law_msgids() -> list[tuple[str, str]]:
    out = []
    for code, j in JURISDICTIONS.items():
        out += [(code, j.legal_basis), (code, j.deadline_phrase)]
        out += [(code, s) for s in j.extra_statements]
    return out


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_translated_with_same_placeholders(lang: str) -> None:
    t = Translator(lang)
    for msgid in messages.ALL:
        translated = t.gettext(msgid)
        assert translated != msgid, (lang, msgid)
        assert _fields(translated) == _fields(msgid), (lang, msgid)
    for code, msgid in _law_msgids():
        translated = t.gettext(msgid, domain="law", context=code)
        assert translated != msgid, (lang, code, msgid)


@pytest.mark.parametrize("lang", TRANSLATED)
@pytest.mark.parametrize("domain", ["notices", "law"])
def test_catalogue_header_asks_for_human_review(lang: str, domain: str) -> None:
    path = LOCALES_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
    head = path.read_text("utf-8")[:600]
    assert "NEEDS HUMAN REVIEW" in head
    assert not re.search(r"machine[- ]translat(ed|ion) by", head, re.IGNORECASE)
    with path.open("rb") as fh:
        catalog = read_po(fh)
    assert str(catalog.locale) == lang
    assert not [m.id for m in catalog if m.id and m.fuzzy]


def test_english_is_the_source() -> None:
    assert Translator("en").gettext(messages.SUBJECT) == messages.SUBJECT


@pytest.mark.parametrize(
    ("site", "preferred", "expected"),
    [
        ("ko-KR", (), "ko"),
        ("zh_Hans_CN", (), "zh"),
        ("ES", (), "es"),
        ("de", (), "en"),
        (None, ("fr", "vi"), "vi"),
        ("de", ("ja", "en"), "ja"),
        (None, (), "en"),
    ],
)
def test_choose_language(site: str | None, preferred: tuple[str, ...], expected: str) -> None:
    assert choose_language(site, preferred) == expected


def test_normalize_rejects_unsupported() -> None:
    assert normalize_language("pt-BR") is None
    assert normalize_language("") is None
