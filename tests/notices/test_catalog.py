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
from takedown.notices.cataloglint import lint_all, lint_catalog
from takedown.notices.law import JURISDICTIONS

TRANSLATED = [lang for lang in SUPPORTED_LANGUAGES if lang != "en"]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _law_msgids() -> list[tuple[str, str]]:
    return [(code, msgid) for code, j in JURISDICTIONS.items() for msgid in j.msgids]


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


def test_the_catalogue_lint_passes() -> None:
    assert [str(p) for p in lint_all()] == []


@pytest.mark.parametrize(
    ("lang", "msgid", "text", "reason"),
    [
        ("ko", "Dear {site} team,", "{site}은(는) 담당자님께", "particle template"),
        ("ko", "On {first_sent} we asked", "{first_sent}(으)로 요청", "particle template"),
        ("ko", "We, {center_name}, ask", "{center_name}은 요청합니다", "after a placeholder"),
        ("ko", "in good faith", "선의로 진술합니다", "without knowledge"),
        ("ja", "sexual images", "私的な画像", "sexual"),
        ("ja", "Please remove it", "削除しなさい", "polite request"),
        ("ru", "ask you", "просим вас удалить", "capitalised"),
        ("vi", "content", "tài liệu này", "nội dung"),
        ("es", "Dear abuse team", "Estimado equipo de abusos:", "equipo de abusos"),
        ("es", "On {first_sent}", "El {first_snt}", "placeholders"),
        ("es", "Page", "", "empty"),
    ],
)
def test_the_lint_catches_what_the_legal_review_found(
    lang: str, msgid: str, text: str, reason: str
) -> None:
    from babel.messages.catalog import Catalog

    catalog = Catalog(locale=lang, domain="notices")
    catalog.add(msgid, text)
    problems = list(lint_catalog(catalog, "x.po", "NEEDS HUMAN REVIEW", lang))
    assert any(reason in p.reason for p in problems), problems


@pytest.mark.parametrize(
    ("lang", "bad"),
    [
        ("ko", ["은(는)", "(으)로", "선의"]),
        ("ja", ["私的な画像"]),
        ("vi", ["tài liệu"]),
        ("es", ["equipo de abusos"]),
    ],
)
def test_no_catalogue_keeps_the_reviewed_mistakes(lang: str, bad: list[str]) -> None:
    text = "".join(
        (LOCALES_DIR / lang / "LC_MESSAGES" / f"{d}.po").read_text("utf-8")
        for d in ("notices", "law")
    )
    assert not [b for b in bad if b in text]
