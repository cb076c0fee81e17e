"""Hangul spelled in Latin letters: romanisations and the keys a Korean keyboard would type.

* :func:`revised` — Revised Romanisation (국어의 로마자 표기법), simplified: syllable-final
  consonants take their final value (``k``, ``t``, ``p``, ``l``, ``ng``...) and move to the next
  syllable before a silent ``ㅇ`` (한국어 → hangugeo); the assimilation rules are left out.
* :func:`mccune` — McCune–Reischauer without diacritics (k/t/p/ch initials, ``o`` for ㅓ,
  ``u`` for ㅡ), the older spelling many names and handles still use.
* :func:`informal` — how people romanise on the fly: ``u`` for ㅓ, ``oo`` for ㅜ, ``ee`` for ㅣ.
* :func:`dubeolsik` — the Latin keys typed when Korean is typed with the keyboard left in
  English mode (2-set layout): 안녕 → dkssud.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["decompose", "dubeolsik", "informal", "is_hangul", "mccune", "revised"]

CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
JUNGSEONG = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
JONGSEONG: tuple[str, ...] = ("", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split(" "))


_RR_INITIAL = dict(
    zip(CHOSEONG, _words("g kk n d tt r m b pp s ss _ j jj ch k t p h"), strict=True)
)
_RR_VOWEL = dict(
    zip(
        JUNGSEONG,
        _words("a ae ya yae eo e yeo ye o wa wae oe yo u wo we wi yu eu ui i"),
        strict=True,
    )
)
_RR_FINAL = dict(
    zip(
        JONGSEONG[1:],
        _words("k k k n n n t l k m l l l p l m p p t t ng t t k t p t"),
        strict=True,
    )
)
# A final consonant carried over to a following silent ㅇ, spelled as an initial.
_CARRIED = {
    "ㄱ": "g", "ㄲ": "kk", "ㄴ": "n", "ㄷ": "d", "ㄹ": "r", "ㅁ": "m", "ㅂ": "b", "ㅅ": "s",
    "ㅆ": "ss", "ㅈ": "j", "ㅊ": "ch", "ㅋ": "k", "ㅌ": "t", "ㅍ": "p",
}  # fmt: skip
_MR_INITIAL = {**_RR_INITIAL, "ㄱ": "k", "ㄷ": "t", "ㅂ": "p", "ㅈ": "ch", "ㄹ": "r"}
_MR_VOWEL = {**_RR_VOWEL, "ㅓ": "o", "ㅕ": "yo", "ㅡ": "u", "ㅝ": "wo", "ㅢ": "ui"}
_INFORMAL_VOWEL = {**_RR_VOWEL, "ㅓ": "u", "ㅜ": "oo", "ㅣ": "ee", "ㅡ": "u", "ㅕ": "yu"}

_KEYS = {
    "ㅂ": "q", "ㅈ": "w", "ㄷ": "e", "ㄱ": "r", "ㅅ": "t", "ㅛ": "y", "ㅕ": "u", "ㅑ": "i",
    "ㅐ": "o", "ㅔ": "p", "ㅁ": "a", "ㄴ": "s", "ㅇ": "d", "ㄹ": "f", "ㅎ": "g", "ㅗ": "h",
    "ㅓ": "j", "ㅏ": "k", "ㅣ": "l", "ㅋ": "z", "ㅌ": "x", "ㅊ": "c", "ㅍ": "v", "ㅠ": "b",
    "ㅜ": "n", "ㅡ": "m", "ㅃ": "Q", "ㅉ": "W", "ㄸ": "E", "ㄲ": "R", "ㅆ": "T", "ㅒ": "O",
    "ㅖ": "P", "ㅘ": "hk", "ㅙ": "ho", "ㅚ": "hl", "ㅝ": "nj", "ㅞ": "np", "ㅟ": "nl",
    "ㅢ": "ml", "ㄳ": "rt", "ㄵ": "sw", "ㄶ": "sg", "ㄺ": "fr", "ㄻ": "fa", "ㄼ": "fq",
    "ㄽ": "ft", "ㄾ": "fx", "ㄿ": "fv", "ㅀ": "fg", "ㅄ": "qt",
}  # fmt: skip


def is_hangul(ch: str) -> bool:
    return 0xAC00 <= ord(ch) <= 0xD7A3


def decompose(syllable: str) -> tuple[str, str, str]:
    """(initial, vowel, final) compatibility jamo of one Hangul syllable."""
    offset = ord(syllable) - 0xAC00
    return CHOSEONG[offset // 588], JUNGSEONG[(offset % 588) // 28], JONGSEONG[offset % 28]


def _romanise(
    text: str,
    initials: Mapping[str, str],
    vowels: Mapping[str, str],
    *,
    carry: bool,
) -> str:
    out: list[str] = []
    chars = list(text)
    for index, ch in enumerate(chars):
        if not is_hangul(ch):
            out.append(ch)
            continue
        first, vowel, final = decompose(ch)
        following = chars[index + 1] if index + 1 < len(chars) else ""
        carried = index > 0 and out and out[-1].startswith("\0")
        if carried:
            out[-1] = out[-1][1:]  # the previous final already spelled this syllable's start
        else:
            out.append("" if initials[first] == "_" else initials[first])
        out.append(vowels[vowel])
        silent_next = bool(following) and is_hangul(following) and decompose(following)[0] == "ㅇ"
        if final and carry and silent_next and final in _CARRIED:
            out.append("\0" + _CARRIED[final])
            continue
        if final:
            out.append(_RR_FINAL[final])
    return "".join(piece.lstrip("\0") for piece in out)


def revised(text: str) -> str:
    """Revised Romanisation (simplified, see the module notes): 홍길동 → honggildong."""
    return _romanise(text, _RR_INITIAL, _RR_VOWEL, carry=True)


def mccune(text: str) -> str:
    """McCune–Reischauer without diacritics: 정 → chong, 김 → kim."""
    return _romanise(text, _MR_INITIAL, _MR_VOWEL, carry=True)


def informal(text: str) -> str:
    """Everyday romanisation, syllable by syllable: 서울 → suool, 이 → ee."""
    return _romanise(text, _RR_INITIAL, _INFORMAL_VOWEL, carry=False)


def dubeolsik(text: str) -> str:
    """The keys of the 2-set Korean layout, as typed with the keyboard in English mode."""
    out: list[str] = []
    for ch in text:
        if is_hangul(ch):
            out.extend(_KEYS[jamo] for jamo in decompose(ch) if jamo)
        else:
            out.append(_KEYS.get(ch, ch))
    return "".join(out).lower()
