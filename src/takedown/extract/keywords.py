"""Case keywords: generated variants, and a matcher that finds them all in one pass.

Matching happens on normalised views (see :mod:`takedown.extract.normalise`), so inserted
spaces, dots, full-width letters, leetspeak, look-alikes, katakana/hiragana and Hangul jamo
spellings are all found without listing them. Every variant of every keyword goes into one
Aho-Corasick automaton per view (``pyahocorasick``), so a page is scanned once per view however
many keywords the cases hold. :meth:`KeywordMatcher.find_per_pattern` is the earlier loop (one
``str.find`` scan per pattern), kept as the reference the automaton must agree with.

An officer can prune variants: a pruned spelling is neither searched for nor reported, even
where folding would find it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import ahocorasick

from takedown.extract.normalise import View, exact_view, fuzzy_view, is_spaced_script
from takedown.extract.variants import (
    DEFAULT_LIMIT,
    SEARCH_KINDS,
    Variant,
    VariantKind,
    generate_variants,
)

__all__ = [
    "KeywordHit",
    "KeywordMatcher",
    "Variant",
    "VariantKind",
    "generate_variants",
    "search_variants",
]


# Shortest folded Latin (Cyrillic, ...) pattern matched in the fuzzy view; shorter: exact only.
MIN_FUZZY = 5


@dataclass(frozen=True)
class KeywordHit:
    """A keyword found in a text: ``text[start:end] == matched``."""

    keyword: str
    variant: str
    kind: VariantKind
    start: int
    end: int
    matched: str


@dataclass(frozen=True)
class _Pattern:
    keyword: str
    variant: Variant
    exact: str
    fuzzy: str


def _automaton(keys: Iterable[tuple[str, int]]) -> Any:
    automaton = ahocorasick.Automaton()
    for key, index in keys:
        if not key:
            continue
        owners = automaton.get(key, None)
        if owners is None:
            automaton.add_word(key, [index])
        else:
            owners.append(index)
    if len(automaton) == 0:
        return None
    automaton.make_automaton()
    return automaton


def search_variants(variants: Iterable[Variant], limit: int = 12) -> list[Variant]:
    """The variants worth a search query (see ``SEARCH_KINDS``), at most ``limit``."""
    return [v for v in variants if v.kind in SEARCH_KINDS][:limit]


class KeywordMatcher:
    """Finds case keywords (and their variants) in texts. Build once, reuse freely (read-only).

    ``pruned``: variant spellings the officer removed; neither matched nor reported.
    """

    def __init__(
        self,
        keywords: Iterable[str],
        *,
        variants: bool = True,
        limit: int = DEFAULT_LIMIT,
        pruned: Iterable[str] = (),
    ) -> None:
        self._variants: dict[str, list[Variant]] = {}
        self._patterns: list[_Pattern] = []
        self._pruned = {exact_view(text).text for text in pruned} - {""}
        for raw in keywords:
            keyword = " ".join(raw.split())
            if not keyword or keyword in self._variants:
                continue
            chosen = generate_variants(keyword, limit=limit) if variants else []
            chosen = chosen or [Variant(keyword, "original")]
            chosen = [
                v
                for v in chosen
                if v.kind == "original" or exact_view(v.text).text not in self._pruned
            ]
            self._variants[keyword] = chosen
            for variant in chosen:
                exact = exact_view(variant.text).text
                if exact:
                    fuzzy = _fuzzy_form(exact, variant.kind)
                    self._patterns.append(_Pattern(keyword, variant, exact, fuzzy))
        self._exact = _automaton((p.exact, i) for i, p in enumerate(self._patterns))
        self._fuzzy = _automaton((p.fuzzy, i) for i, p in enumerate(self._patterns))

    @property
    def keywords(self) -> list[str]:
        return list(self._variants)

    @property
    def variants(self) -> dict[str, list[Variant]]:
        """Every keyword's variants (after pruning), e.g. for a ``search`` source's queries."""
        return {keyword: list(found) for keyword, found in self._variants.items()}

    @property
    def pattern_count(self) -> int:
        return len(self._patterns)

    def __bool__(self) -> bool:
        return bool(self._patterns)

    def find(self, text: str) -> list[KeywordHit]:
        """Every hit, ordered by position; a span is reported once per keyword."""
        if not self._patterns or not text:
            return []
        candidates: list[tuple[int, int, int, int]] = []
        for phase, automaton, view, attr in (
            (0, self._exact, exact_view(text), "exact"),
            (1, self._fuzzy, fuzzy_view(text), "fuzzy"),
        ):
            if automaton is None or not view.text:
                continue
            for end, owners in automaton.iter(view.text):
                for index in owners:
                    first = end - len(getattr(self._patterns[index], attr)) + 1
                    if not _aligned(view, first, end + 1):
                        continue
                    start, stop = view.span(first, end + 1)
                    if _bounded(text, start, stop):
                        candidates.append((phase, index, start, stop))
        # The order the per-pattern loop finds them in: exact before fuzzy, pattern by pattern.
        candidates.sort()
        return self._resolve(text, candidates)

    def find_per_pattern(self, text: str) -> list[KeywordHit]:
        """The same answer as :meth:`find`, one scan per pattern (the benchmark's baseline)."""
        if not self._patterns or not text:
            return []
        candidates: list[tuple[int, int, int, int]] = []
        for phase, view, attr in ((0, exact_view(text), "exact"), (1, fuzzy_view(text), "fuzzy")):
            for index, pattern in enumerate(self._patterns):
                for start, stop in _occurrences(view, getattr(pattern, attr), text):
                    candidates.append((phase, index, start, stop))
        return self._resolve(text, candidates)

    def _resolve(self, text: str, candidates: list[tuple[int, int, int, int]]) -> list[KeywordHit]:
        hits: list[KeywordHit] = []
        covered: dict[str, list[tuple[int, int]]] = {}
        for phase, index, start, stop in candidates:
            pattern = self._patterns[index]
            spans = covered.setdefault(pattern.keyword, [])
            if _overlaps(spans, start, stop):
                continue
            if self._pruned and exact_view(text[start:stop]).text in self._pruned:
                continue
            spans.append((start, stop))
            kind: VariantKind = pattern.variant.kind if phase == 0 else "fuzzy"
            hits.append(
                KeywordHit(
                    pattern.keyword, pattern.variant.text, kind, start, stop, text[start:stop]
                )
            )
        hits.sort(key=lambda hit: (hit.start, hit.end, hit.keyword))
        return hits


def _occurrences(view: View, needle: str, original: str) -> list[tuple[int, int]]:
    """Original spans where ``needle`` occurs in ``view`` at word boundaries (spaced scripts)."""
    spans: list[tuple[int, int]] = []
    if not needle:
        return spans
    position = view.text.find(needle)
    while position >= 0:
        if _aligned(view, position, position + len(needle)):
            start, end = view.span(position, position + len(needle))
            if _bounded(original, start, end):
                spans.append((start, end))
        position = view.text.find(needle, position + 1)
    return spans


def _aligned(view: View, start: int, end: int) -> bool:
    """The view span covers whole original characters (never half a Hangul syllable)."""
    starts = view.starts
    if start > 0 and starts[start - 1] == starts[start]:
        return False
    return not (end < len(starts) and starts[end] == starts[end - 1])


def _fuzzy_form(exact: str, kind: VariantKind) -> str:
    """The pattern's fuzzy form, or "" where folding it would match too much.

    Initials-only (초성) spellings match only as typed: folded, they would match the jamo
    inside any syllable. Forms of spaced scripts that fold to fewer than MIN_FUZZY letters
    are left exact (a folded "laillil" is "iai", a word in many languages).
    """
    if kind == "typo" or all(0x3131 <= ord(ch) <= 0x314E for ch in exact):
        return ""  # a typo is one change already: folded too, it drifts into real words
    fuzzy = fuzzy_view(exact).text
    spaced = any(is_spaced_script(ch) for ch in fuzzy)
    return fuzzy if len(fuzzy) >= (MIN_FUZZY if spaced else 2) else ""


def _bounded(text: str, start: int, end: int) -> bool:
    """A hit that starts or ends with a letter of a spaced script must not be inside a word."""
    if is_spaced_script(text[start]) and start > 0 and is_spaced_script(text[start - 1]):
        return False
    return not (is_spaced_script(text[end - 1]) and end < len(text) and is_spaced_script(text[end]))


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in spans)
