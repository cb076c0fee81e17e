"""Variants an officer sees and prunes, and the one-pass matcher that must agree with the loop."""

from __future__ import annotations

import random

import pytest

from takedown.extract.keywords import KeywordMatcher, generate_variants, search_variants
from takedown.extract.romanise import dubeolsik, informal, mccune, revised


@pytest.mark.parametrize(
    ("word", "rr", "mr", "casual", "keys"),
    [
        ("한국어", "hangugeo", "hankugo", "hangooku", "gksrnrdj"),
        ("안녕", "annyeong", "annyong", "annyung", "dkssud"),
        ("서울", "seoul", "soul", "suool", "tjdnf"),
        ("닭", "dak", "tak", "dak", "ekfr"),
    ],
)
def test_romanisations_and_typed_keys(word: str, rr: str, mr: str, casual: str, keys: str) -> None:
    assert (revised(word), mccune(word), informal(word), dubeolsik(word)) == (rr, mr, casual, keys)


def test_latin_variants_cover_the_obfuscation_kinds() -> None:
    found = generate_variants("zorblat")
    kinds = {v.kind for v in found}
    assert {"spaced", "dotted", "width", "leet", "confusable", "plural", "typo"} <= kinds
    texts = {v.text for v in found}
    assert "z0rbl47" in texts and "ｚｏｒｂｌａｔ" in texts and "zorblats" in texts
    assert "xorblat" in texts and "zorvlat" in texts  # QWERTY neighbours of z and b
    cyrillic = next(v.text for v in found if v.kind == "confusable")
    assert cyrillic != "zorblat" and cyrillic.isascii() is False
    assert len(texts) == len(found) <= 48


@pytest.mark.parametrize(
    ("keyword", "text"),
    [
        ("zorblat", "see the zоrblаt post"),  # Cyrillic о and а
        ("zorblat", "see the ζorblat post"),  # Greek zeta, a UTS #39 confusable
        ("zorblat", "see the z\u0308orbla\u0301t post"),  # combining marks
        ("zorblat", "see the xorblat post"),  # typo: x beside z
        ("홍길동", "honggildong 계정"),
        ("홍길동", "ghdrlfehd 계정"),
        ("홍길동", "hong kil tong 계정"),
        ("홍길동", "ㅎ.ㄱ.ㄷ 계정"),
    ],
)
def test_obfuscated_spellings_are_found(keyword: str, text: str) -> None:
    assert [h.keyword for h in KeywordMatcher([keyword]).find(text)] == [keyword]


def test_pruned_variants_are_neither_listed_nor_reported() -> None:
    full = KeywordMatcher(["zorblat"])
    assert [h.matched for h in full.find("zorblats and z0rblat")] == ["zorblats", "z0rblat"]
    pruned = KeywordMatcher(["zorblat"], pruned=["zorblats", "z0rblat"])
    texts = {v.text for v in pruned.variants["zorblat"]}
    assert "zorblats" not in texts and "z0rblat" not in texts and "zorblat" in texts
    # Folding would find z0rblat through the original; pruning still silences it.
    assert pruned.find("zorblats and z0rblat") == []
    assert [h.matched for h in pruned.find("a zorblat")] == ["zorblat"]
    # The original itself cannot be pruned away.
    assert KeywordMatcher(["zorblat"], pruned=["zorblat"]).keywords == ["zorblat"]


def test_search_variants_are_a_short_list() -> None:
    found = search_variants(generate_variants("홍길동"))
    assert [v.kind for v in found][:3] == ["original", "spaced", "choseong"]
    assert len(found) <= 12


def _noise(rng: random.Random, words: list[str]) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz 0123456789.-홍길동푸른사과ㅎㄱㄷ テスト яблоко"
    parts = [rng.choice(words) if rng.random() < 0.1 else "" for _ in range(20)]
    filler = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(20)]
    return " ".join(a + b for a, b in zip(parts, filler, strict=True))


def test_one_pass_matching_agrees_with_the_per_pattern_loop() -> None:
    rng = random.Random(17)
    words = ["zorblat", "quixel", "red apple", "홍길동", "푸른사과", "яблоко", "テスト", "b l u e"]
    matcher = KeywordMatcher(words)
    for variants in matcher.variants.values():
        words.extend(v.text for v in variants)
    hits = 0
    for _ in range(300):
        text = _noise(rng, words)
        one_pass = matcher.find(text)
        assert one_pass == matcher.find_per_pattern(text), text
        hits += len(one_pass)
    assert hits > 100  # the texts did hold keywords
