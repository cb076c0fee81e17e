"""Spellings of a keyword an officer can see and prune, and a search box can be asked for.

Hangul: syllables spaced out and dotted, initials only (초성), spelled out in jamo, three
romanisations (Revised, McCune–Reischauer, informal) and the keys typed with the keyboard left
in English mode. Latin and other spaced scripts: words joined, letters spaced and dotted,
full-width, leetspeak, Unicode look-alikes (UTS #39 confusables: Cyrillic and Greek letters
for Latin ones), a plural and misspellings by keyboard adjacency (QWERTY neighbours).

Matching does not need most of these listed (the normalised views fold spacing, width,
leetspeak and look-alikes); it needs the ones no folding derives (initials, romanisations,
typed keys, typos), and a search box needs them all spelled out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from takedown.extract.normalise import is_spaced_script
from takedown.extract.romanise import decompose, dubeolsik, informal, is_hangul, mccune, revised

__all__ = ["DEFAULT_LIMIT", "SEARCH_KINDS", "Variant", "VariantKind", "generate_variants"]

VariantKind = Literal[
    "original",
    "joined",
    "spaced",
    "dotted",
    "width",
    "choseong",
    "jamo",
    "romanised",
    "mccune",
    "informal",
    "qwerty",
    "leet",
    "confusable",
    "plural",
    "typo",
    "fuzzy",
]
DEFAULT_LIMIT = 48
MAX_TYPOS = 16
# Kinds worth sending to a search engine (the others are what folding finds anyway).
SEARCH_KINDS: frozenset[str] = frozenset(
    {"original", "joined", "spaced", "choseong", "romanised", "mccune", "qwerty", "leet"}
)
_LEET_OUT = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"})
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


@dataclass(frozen=True)
class Variant:
    """One spelling of a keyword, and how it was derived."""

    text: str
    kind: VariantKind


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


@cache
def _neighbours() -> dict[str, str]:
    """QWERTY keys beside each letter on its row."""
    out: dict[str, str] = {}
    for row in _ROWS:
        for index, key in enumerate(row):
            out[key] = row[max(index - 1, 0) : index] + row[index + 1 : index + 2]
    return out


@cache
def _lookalikes() -> dict[str, tuple[str, str]]:
    """ASCII letter -> (a Cyrillic look-alike, a Greek look-alike), '' where none exists."""
    from confusable_homoglyphs import confusables

    out: dict[str, tuple[str, str]] = {}
    for letter in "abcdefghijklmnopqrstuvwxyz":
        cyrillic = greek = ""
        for glyph in confusables.confusables_data.get(letter, []):
            name = str(glyph.get("n", ""))
            ch = str(glyph.get("c", ""))
            if len(ch) != 1:
                continue
            if not cyrillic and name.startswith("CYRILLIC SMALL LETTER"):
                cyrillic = ch
            if not greek and name.startswith("GREEK SMALL LETTER"):
                greek = ch
        out[letter] = (cyrillic, greek)
    return out


def _swap_lookalikes(text: str, which: int) -> str:
    table = _lookalikes()
    return "".join(table.get(ch, ("", ""))[which] or ch for ch in text)


def _typos(keyword: str) -> list[str]:
    """One letter replaced by a key next to it, spread over the word, at most MAX_TYPOS."""
    neighbours = _neighbours()
    found: list[str] = []
    lower = keyword.lower()
    for index, ch in enumerate(lower):
        for other in neighbours.get(ch, ""):
            found.append(lower[:index] + other + lower[index + 1 :])
    if len(found) > MAX_TYPOS:
        step = len(found) / MAX_TYPOS
        found = [found[int(i * step)] for i in range(MAX_TYPOS)]
    return found


def _hangul_variants(keyword: str, letters: list[str]) -> list[Variant]:
    hangul = [ch for ch in letters if is_hangul(ch)]
    found = [Variant(" ".join(letters), "spaced"), Variant(".".join(letters), "dotted")]
    if len(hangul) >= 2:
        found.append(Variant("".join(decompose(ch)[0] for ch in hangul), "choseong"))
    found.append(Variant("".join("".join(decompose(ch)) for ch in hangul), "jamo"))
    joined = "".join(letters)
    found.append(Variant(revised(joined), "romanised"))
    found.append(Variant(mccune(joined), "mccune"))
    found.append(Variant(informal(joined), "informal"))
    if " " in keyword:
        found.append(Variant(revised(keyword), "romanised"))
    found.append(Variant(dubeolsik(joined), "qwerty"))
    return found


def _latin_variants(keyword: str, letters: list[str]) -> list[Variant]:
    plain = "".join(letters)
    found = [Variant(" ".join(plain), "spaced"), Variant(".".join(plain), "dotted")]
    if plain.isascii():
        lower = keyword.lower()
        found.append(Variant(_fullwidth(keyword), "width"))
        found.append(Variant(lower.translate(_LEET_OUT), "leet"))
        found.append(Variant(_swap_lookalikes(lower, 0), "confusable"))
        found.append(Variant(_swap_lookalikes(lower, 1), "confusable"))
        if plain.isalpha() and not plain.lower().endswith("s"):
            found.append(Variant(keyword + "s", "plural"))
        if plain.isalpha() and len(plain) >= 4:
            found.extend(Variant(typo, "typo") for typo in _typos(keyword))
    return found


def generate_variants(keyword: str, *, limit: int = DEFAULT_LIMIT) -> list[Variant]:
    """Spellings of ``keyword`` worth matching or searching for, the original first."""
    keyword = " ".join(keyword.split())
    if not keyword:
        return []
    found: list[Variant] = [Variant(keyword, "original")]
    letters = [ch for ch in keyword if not ch.isspace()]
    if " " in keyword:
        found.append(Variant(keyword.replace(" ", ""), "joined"))
    if any(is_hangul(ch) for ch in letters):
        found.extend(_hangul_variants(keyword, letters))
    elif any(is_spaced_script(ch) for ch in letters):
        found.extend(_latin_variants(keyword, letters))
    else:
        found.append(Variant(" ".join(letters), "spaced"))
    unique: dict[str, Variant] = {}
    for variant in found:
        if variant.text:
            unique.setdefault(variant.text, variant)
    return list(unique.values())[:limit]
