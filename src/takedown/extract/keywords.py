"""Case keywords: generated variants, and a matcher that finds them in page text in any language.

Matching happens on normalised views (see :mod:`takedown.extract.normalise`), so inserted
spaces, dots, full-width letters, leetspeak, Cyrillic look-alikes, katakana/hiragana and Hangul
jamo spellings are all found without listing them. The explicit variants serve two purposes:
the forms matching cannot derive (Hangul initials), and the query strings a ``search`` source
sends to a site's own search box.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from takedown.extract.normalise import View, exact_view, fuzzy_view, is_spaced_script

__all__ = ["KeywordHit", "KeywordMatcher", "Variant", "VariantKind", "generate_variants"]

VariantKind = Literal[
    "original",
    "joined",
    "spaced",
    "dotted",
    "width",
    "choseong",
    "jamo",
    "leet",
    "plural",
    "fuzzy",
]

_CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_JUNGSEONG = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_JONGSEONG: tuple[str, ...] = ("", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ")
_LEET_OUT = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"})


@dataclass(frozen=True)
class Variant:
    """One spelling of a keyword, and how it was derived."""

    text: str
    kind: VariantKind


@dataclass(frozen=True)
class KeywordHit:
    """A keyword found in a text: ``text[start:end] == matched``."""

    keyword: str
    variant: str
    kind: VariantKind
    start: int
    end: int
    matched: str


def _is_hangul_syllable(ch: str) -> bool:
    return 0xAC00 <= ord(ch) <= 0xD7A3


def _jamo(syllable: str) -> tuple[str, str, str]:
    offset = ord(syllable) - 0xAC00
    return _CHOSEONG[offset // 588], _JUNGSEONG[(offset % 588) // 28], _JONGSEONG[offset % 28]


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def generate_variants(keyword: str, *, limit: int = 10) -> list[Variant]:
    """Spellings of ``keyword`` worth matching or searching for, the original first.

    Hangul: syllables spaced out, initials only (초성), spelled out in jamo. Latin and other
    spaced scripts: words joined, letters spaced and dotted, full-width, leetspeak, a plural.
    """
    keyword = " ".join(keyword.split())
    if not keyword:
        return []
    found: list[Variant] = [Variant(keyword, "original")]
    letters = [ch for ch in keyword if not ch.isspace()]
    hangul = [ch for ch in letters if _is_hangul_syllable(ch)]
    if " " in keyword:
        found.append(Variant(keyword.replace(" ", ""), "joined"))
    if hangul:
        found.append(Variant(" ".join(letters), "spaced"))
        if len(hangul) >= 2:
            found.append(Variant("".join(_jamo(ch)[0] for ch in hangul), "choseong"))
        found.append(Variant("".join("".join(_jamo(ch)) for ch in hangul), "jamo"))
    elif any(is_spaced_script(ch) for ch in letters):
        plain = "".join(letters)
        found.append(Variant(" ".join(plain), "spaced"))
        found.append(Variant(".".join(plain), "dotted"))
        if plain.isascii():
            found.append(Variant(_fullwidth(keyword), "width"))
            leet = keyword.lower().translate(_LEET_OUT)
            found.append(Variant(leet, "leet"))
            if plain.isalpha() and not plain.lower().endswith("s"):
                found.append(Variant(keyword + "s", "plural"))
    else:
        found.append(Variant(" ".join(letters), "spaced"))
    unique: dict[str, Variant] = {}
    for variant in found:
        unique.setdefault(variant.text, variant)
    return list(unique.values())[:limit]


@dataclass(frozen=True)
class _Pattern:
    keyword: str
    variant: Variant
    exact: str
    fuzzy: str


class KeywordMatcher:
    """Finds case keywords (and their variants) in texts. Build once per case, reuse freely."""

    def __init__(self, keywords: Iterable[str], *, variants: bool = True, limit: int = 10) -> None:
        self._variants: dict[str, list[Variant]] = {}
        self._patterns: list[_Pattern] = []
        for raw in keywords:
            keyword = " ".join(raw.split())
            if not keyword or keyword in self._variants:
                continue
            chosen = generate_variants(keyword, limit=limit) if variants else []
            chosen = chosen or [Variant(keyword, "original")]
            self._variants[keyword] = chosen
            for variant in chosen:
                exact = exact_view(variant.text).text
                if exact:
                    fuzzy = fuzzy_view(variant.text).text
                    self._patterns.append(_Pattern(keyword, variant, exact, fuzzy))

    @property
    def keywords(self) -> list[str]:
        return list(self._variants)

    @property
    def variants(self) -> dict[str, list[Variant]]:
        """Every keyword's variants, e.g. for a ``search`` source's queries."""
        return {keyword: list(found) for keyword, found in self._variants.items()}

    def __bool__(self) -> bool:
        return bool(self._patterns)

    def find(self, text: str) -> list[KeywordHit]:
        """Every hit, ordered by position; a span is reported once per keyword."""
        if not self._patterns or not text:
            return []
        exact = exact_view(text)
        fuzzy = fuzzy_view(text)
        hits: list[KeywordHit] = []
        covered: dict[str, list[tuple[int, int]]] = {}
        for pattern in self._patterns:
            for start, end in _occurrences(exact, pattern.exact, text):
                if _overlaps(covered.get(pattern.keyword, []), start, end):
                    continue
                covered.setdefault(pattern.keyword, []).append((start, end))
                hits.append(self._hit(pattern, pattern.variant.kind, text, start, end))
        for pattern in self._patterns:
            for start, end in _occurrences(fuzzy, pattern.fuzzy, text):
                if _overlaps(covered.get(pattern.keyword, []), start, end):
                    continue
                covered.setdefault(pattern.keyword, []).append((start, end))
                hits.append(self._hit(pattern, "fuzzy", text, start, end))
        hits.sort(key=lambda hit: (hit.start, hit.end, hit.keyword))
        return hits

    @staticmethod
    def _hit(pattern: _Pattern, kind: VariantKind, text: str, start: int, end: int) -> KeywordHit:
        return KeywordHit(pattern.keyword, pattern.variant.text, kind, start, end, text[start:end])


def _occurrences(view: View, needle: str, original: str) -> list[tuple[int, int]]:
    """Original spans where ``needle`` occurs in ``view`` at word boundaries (spaced scripts)."""
    spans: list[tuple[int, int]] = []
    if not needle:
        return spans
    position = view.text.find(needle)
    while position >= 0:
        start, end = view.span(position, position + len(needle))
        if _bounded(original, start, end):
            spans.append((start, end))
            position = view.text.find(needle, position + len(needle))
        else:
            position = view.text.find(needle, position + 1)
    return spans


def _bounded(text: str, start: int, end: int) -> bool:
    """A hit that starts or ends with a letter of a spaced script must not be inside a word."""
    if is_spaced_script(text[start]) and start > 0 and is_spaced_script(text[start - 1]):
        return False
    return not (is_spaced_script(text[end - 1]) and end < len(text) and is_spaced_script(text[end]))


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in spans)
