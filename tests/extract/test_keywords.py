"""Keyword normalisation and variants across Korean, Japanese, Chinese, Russian and English."""

from __future__ import annotations

import pytest

from takedown.extract.keywords import KeywordMatcher, generate_variants
from takedown.extract.normalise import exact_view, normalise

# Neutral made-up words only.
MATCHER = KeywordMatcher(["홍길동", "푸른사과", "テスト", "纸飞机", "яблоко", "red apple", "blue"])

FOUND = [
    ("오늘 홍길동이 왔다", "홍길동", "original", "홍길동"),
    ("홍 길 동", "홍길동", "original", "홍 길 동"),
    ("홍.길.동 영상", "홍길동", "original", "홍.길.동"),
    ("홍_길-동", "홍길동", "original", "홍_길-동"),
    ("ㅎㄱㄷ 모음", "홍길동", "choseong", "ㅎㄱㄷ"),
    ("ㅎㅗㅇㄱㅣㄹㄷㅗㅇ", "홍길동", "jamo", "ㅎㅗㅇㄱㅣㄹㄷㅗㅇ"),
    ("푸른샤과", "푸른사과", None, None),  # a different vowel is a different word
    ("푸른 사 과", "푸른사과", "original", "푸른 사 과"),
    ("ﾃｽﾄです", "テスト", "original", "ﾃｽﾄ"),  # half-width katakana
    ("テ・ス・ト", "テスト", "original", "テ・ス・ト"),
    ("これはてすとです", "テスト", "fuzzy", "てすと"),  # hiragana for katakana
    ("这是纸 飞 机", "纸飞机", "original", "纸 飞 机"),
    ("纸，飞，机", "纸飞机", "original", "纸，飞，机"),
    ("ЯБЛОКО на столе", "яблоко", "original", "ЯБЛОКО"),
    ("я.б.л.о.к.о", "яблоко", "original", "я.б.л.о.к.о"),
    ("яблoкo", "яблоко", "fuzzy", "яблoкo"),  # Latin o inside Cyrillic
    ("the R.E.D apple!", "red apple", "original", "R.E.D apple"),
    ("ｒｅｄ　ａｐｐｌｅ", "red apple", "original", "ｒｅｄ　ａｐｐｌｅ"),
    ("r e d a p p l e", "red apple", "original", "r e d a p p l e"),
    ("r3d 4ppl3", "red apple", "leet", "r3d 4ppl3"),
    ("R3D @pp1e", "red apple", "fuzzy", "R3D @pp1e"),
    ("rreedd  aappllee", "red apple", "fuzzy", "rreedd  aappllee"),
    ("redapples here", "red apple", "plural", "redapples"),
    ("tiredapple", "red apple", None, None),  # inside another word
    ("blueberry pie", "blue", None, None),
    ("BLUE sky", "blue", "original", "BLUE"),
    ("b\u200bl\u200bu\u200be", "blue", "original", "b\u200bl\u200bu\u200be"),  # zero-width spaces
]


@pytest.mark.parametrize(("text", "keyword", "kind", "matched"), FOUND)
def test_hits(text: str, keyword: str, kind: str | None, matched: str | None) -> None:
    hits = [hit for hit in MATCHER.find(text) if hit.keyword == keyword]
    if kind is None:
        assert hits == []
        return
    assert len(hits) == 1, hits
    (hit,) = hits
    assert (hit.kind, hit.matched) == (kind, matched)
    assert text[hit.start : hit.end] == hit.matched


def test_positions_point_into_the_original_text() -> None:
    text = "앞부분 ... Ｈｏｎｇ 홍길동 and red-apple, 뒤"
    hits = KeywordMatcher(["홍길동", "red apple"]).find(text)
    assert [text[h.start : h.end] for h in hits] == ["홍길동", "red-apple"]
    assert hits[0].start < hits[1].start


def test_every_occurrence_is_reported() -> None:
    hits = KeywordMatcher(["blue"]).find("blue, b.l.u.e and BLUE")
    assert [h.matched for h in hits] == ["blue", "b.l.u.e", "BLUE"]


def test_variants() -> None:
    korean = {v.kind: v.text for v in generate_variants("홍길동")}
    assert korean == {
        "original": "홍길동",
        "spaced": "홍 길 동",
        "dotted": "홍.길.동",
        "choseong": "ㅎㄱㄷ",
        "jamo": "ㅎㅗㅇㄱㅣㄹㄷㅗㅇ",
        "romanised": "honggildong",
        "mccune": "hongkiltong",
        "informal": "honggeeldong",
        "qwerty": "ghdrlfehd",
    }
    english = {v.kind: v.text for v in generate_variants("  red   apple ")}
    assert english["original"] == "red apple"
    assert english["joined"] == "redapple"
    assert english["leet"] == "r3d 4ppl3"
    assert english["width"] == "ｒｅｄ ａｐｐｌｅ"
    assert generate_variants("") == []
    assert len(generate_variants("red apple", limit=3)) == 3
    assert [v.kind for v in generate_variants("纸飞机")] == ["original", "spaced"]


def test_normalise() -> None:
    assert normalise("Ｒｅｄ　Ａ.p-p l e！") == "redapple"
    assert normalise("STRASSE") == normalise("Straße")
    view = exact_view("a ｂ")
    assert view.text == "ab" and view.span(1, 2) == (2, 3)


def test_empty_inputs() -> None:
    assert KeywordMatcher([]).find("anything") == []
    assert not KeywordMatcher(["  ", "!!"])
    assert MATCHER.find("") == []
