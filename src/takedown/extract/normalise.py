"""Text normalisation for keyword matching, with a map back to positions in the original text.

Two views of a text are built. The *exact* view applies NFKC (full/half-width, compatibility
forms), case folding, and drops everything that is not a letter, digit or mark, so spacing or
punctuation inserted between letters or Hangul syllables disappears. The *fuzzy* view folds
further: leetspeak digits and symbols to letters, Cyrillic look-alikes to Latin, katakana to
hiragana, Hangul syllables to their jamo with easily confused vowels merged, and runs of one
repeated character to one. Look-alikes come from Unicode's confusables (UTS #39, through
``confusable-homoglyphs``): every letter or digit of a spaced script (Cyrillic, Greek,
Armenian, Latin extensions, ...) listed as confusable with an ASCII letter folds to it, and
diacritics of spaced scripts are dropped (``z̈orblat`` and ``zorblat`` fold alike).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

__all__ = ["View", "exact_view", "fuzzy_view", "is_spaced_script", "normalise"]

# Characters a deliberate misspeller puts in place of letters; both sides fold the same way.
_LEET = str.maketrans(
    {
        "4": "a",
        "@": "a",
        "3": "e",
        "1": "i",
        "!": "i",
        "|": "i",
        "l": "i",
        "0": "o",
        "5": "s",
        "$": "s",
        "7": "t",
        "+": "t",
        "9": "g",
        "8": "b",
    }
)
_CYRILLIC_LOOKALIKES = str.maketrans("авеёкмнорстухіјѕ", "abeekmhopctyxijs")
_HANGUL_BASE = 0xAC00
_CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_JUNGSEONG = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_JONGSEONG: tuple[str, ...] = ("", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ")
# Vowels that sound alike in today's Korean and are swapped on purpose or by habit.
_VOWEL_FOLD = str.maketrans({"ㅐ": "ㅔ", "ㅒ": "ㅖ", "ㅙ": "ㅚ", "ㅞ": "ㅚ"})
# Scripts written without spaces between words: no word-boundary rule applies to them.
_UNSPACED_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1100, 0x11FF),  # Hangul jamo
    (0x1780, 0x17FF),  # Khmer
    (0x2E80, 0x9FFF),  # CJK radicals, kana, CJK ideographs, compatibility jamo
    (0xA960, 0xA97F),
    (0xAC00, 0xD7FF),  # Hangul syllables and extended jamo
    (0xF900, 0xFAFF),
    (0xFF66, 0xFFDC),  # half-width kana and jamo
    (0x20000, 0x3FFFF),
)


@dataclass(frozen=True)
class View:
    """A normalised text; character ``i`` comes from ``original[starts[i]:ends[i]]``."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``[start, end)`` covered by the view's ``[start, end)``."""
        return self.starts[start], self.ends[end - 1]


def is_spaced_script(ch: str) -> bool:
    """A letter or digit of a script that separates words with spaces (Latin, Cyrillic, ...)."""
    if not ch.isalnum():
        return False
    code = ord(ch)
    return not any(low <= code <= high for low, high in _UNSPACED_RANGES)


def _clusters(text: str) -> list[tuple[int, str]]:
    """Split into (index, cluster): a character with its combining marks or conjoining jamo."""
    out: list[tuple[int, str]] = []
    for index, ch in enumerate(text):
        code = ord(ch)
        joins = unicodedata.combining(ch) or 0x1160 <= code <= 0x11FF or 0xD7B0 <= code <= 0xD7FF
        if out and joins:
            start, cluster = out[-1]
            out[-1] = (start, cluster + ch)
        else:
            out.append((index, ch))
    return out


def _keep(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LNM"


def exact_view(text: str) -> View:
    """NFKC, case folding, separators dropped."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, cluster in _clusters(text):
        for ch in _exact_cluster(cluster):
            chars.append(ch)
            starts.append(index)
            ends.append(index + len(cluster))
    return View("".join(chars), tuple(starts), tuple(ends))


def fuzzy_view(text: str) -> View:
    """The exact view folded further (leetspeak, look-alikes, kana, jamo, repeats)."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, cluster in _clusters(text):
        for piece in _fuzzy_cluster(cluster):
            if chars and chars[-1] == piece:
                ends[-1] = index + len(cluster)  # "aaapple" and "apple" fold alike
                continue
            chars.append(piece)
            starts.append(index)
            ends.append(index + len(cluster))
    return View("".join(chars), tuple(starts), tuple(ends))


@lru_cache(maxsize=1 << 16)
def _exact_cluster(cluster: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", cluster).casefold() if _keep(ch))


@lru_cache(maxsize=1 << 16)
def _fuzzy_cluster(cluster: str) -> str:
    folded = unicodedata.normalize("NFKC", cluster).casefold().translate(_LEET)
    return "".join(_fold_char(ch) for ch in folded if _keep(ch))


@cache
def confusable_fold() -> dict[int, str]:
    """Code point -> ASCII letter or digit it is confusable with (spaced scripts only)."""
    from confusable_homoglyphs import confusables

    table: dict[int, str] = {}
    for target, glyphs in confusables.confusables_data.items():
        if len(target) != 1 or not target.isascii() or not target.isalnum():
            continue
        for glyph in glyphs:
            ch = str(glyph.get("c", "")).strip("\u200e\u200f")
            if len(ch) != 1 or ch.isascii() or not is_spaced_script(ch):
                continue
            if unicodedata.bidirectional(ch) in ("R", "AL"):
                continue  # Hebrew and Arabic letters are words of their own
            table.setdefault(ord(ch), target.lower())
            table.setdefault(ord(ch.casefold()[0]), target.lower())
    return table


def _strip_marks(ch: str) -> str:
    """A spaced-script letter without its diacritics (Hangul and kana are left alone)."""
    if ch.isascii() or not is_spaced_script(ch):
        return ch
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    return base or ch


def _fold_char(ch: str) -> str:
    code = ord(ch)
    if _HANGUL_BASE <= code <= 0xD7A3:
        offset = code - _HANGUL_BASE
        jamo = _CHOSEONG[offset // 588] + _JUNGSEONG[(offset % 588) // 28] + _JONGSEONG[offset % 28]
        return jamo.translate(_VOWEL_FOLD)
    if 0x1100 <= code <= 0x11FF or 0xA960 <= code <= 0xD7FF:
        return _compat_jamo(ch).translate(_VOWEL_FOLD)
    if 0x30A1 <= code <= 0x30F6:
        return chr(code - 0x60)  # katakana to hiragana
    if unicodedata.combining(ch):
        return ""  # a stray diacritic on a Latin letter (z̈orblat)
    ch = ch.translate(_CYRILLIC_LOOKALIKES)
    return _strip_marks(ch).translate(confusable_fold()).translate(_LEET)


@cache
def _compat_jamo(ch: str) -> str:
    """The compatibility jamo (what people type) for a conjoining jamo NFKC produced."""
    name = unicodedata.name(ch, "")
    for part in ("CHOSEONG ", "JUNGSEONG ", "JONGSEONG "):
        name = name.replace(part, "LETTER ")
    try:
        return unicodedata.lookup(name)
    except KeyError:
        return ch


def normalise(text: str) -> str:
    """The exact view's text: what keywords and page text are compared as."""
    return exact_view(text).text
