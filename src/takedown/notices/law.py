"""Jurisdictions a deletion request can rely on, read from ``data/regimes.json``.

The data file is what a lawyer reviews: per jurisdiction, the elements its law requires of a
request (each with a citation and the date the entry was written), the English texts that carry
them (gettext msgids of the ``law`` domain, context = jurisdiction code; translations in
``locales/<lang>/LC_MESSAGES/law.po``) and the route for an apparent minor.
"""

from __future__ import annotations

import enum
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from typing import Any


class LegalCategory(enum.Enum):
    """The kind of material, in neutral words (never a description of the content)."""

    NCII = "ncii"
    COVERT_RECORDING = "covert_recording"
    SYNTHETIC = "synthetic"
    # Child sexual exploitation material: only after an officer confirmed an apparent minor.
    CSEM = "csem"


@dataclass(frozen=True)
class Citation:
    key: str
    title: str
    provision: str
    url: str
    as_of: str


@dataclass(frozen=True)
class ElementSpec:
    """One thing the request must contain, by name; ``carried_by`` names the parts that hold it
    when they are not the part of the same name."""

    name: str
    requirement: str
    citation: str
    as_of: str
    carried_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Statement:
    element: str
    text: str


@dataclass(frozen=True)
class MinorRoute:
    deadline_phrase: str
    hotline_name: str
    hotline_url: str
    citation: str


@dataclass(frozen=True)
class Jurisdiction:
    """One legal frame for a deletion request.

    ``deadline`` is ``None`` when the law says "without delay" (or sets no removal period);
    ``follow_up_after`` is the time after which the request is treated as unanswered.
    """

    code: str
    name: str
    timezone: str
    legal_basis: str
    deadline_phrase: str
    deadline: timedelta | None
    follow_up_after: timedelta
    basis_element: str
    category_basis: Mapping[str, str]
    statements: tuple[Statement, ...]
    elements: tuple[ElementSpec, ...]
    minor: MinorRoute
    offences: Mapping[str, str]

    @property
    def required(self) -> tuple[ElementSpec, ...]:
        """Every element the request must hold: the common ones, then this law's."""
        return (*common_elements(), *self.elements)

    @property
    def required_names(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.required)

    def basis_for(self, category: LegalCategory) -> str:
        return self.category_basis[category.value]

    @property
    def msgids(self) -> tuple[str, ...]:
        """Every English text of this jurisdiction (for the catalogue checks)."""
        return (
            self.legal_basis,
            self.deadline_phrase,
            self.minor.deadline_phrase,
            *self.category_basis.values(),
            *(s.text for s in self.statements),
            *self.offences.values(),
        )


class LawDataError(ValueError):
    """The regimes data file is malformed."""


@functools.cache
def _data() -> Mapping[str, Any]:
    text = resources.files("takedown.notices").joinpath("data", "regimes.json").read_text("utf-8")
    data = json.loads(text)
    if not isinstance(data, dict) or "jurisdictions" not in data:
        raise LawDataError("regimes.json: no 'jurisdictions'")
    return data


def _element(raw: Mapping[str, Any]) -> ElementSpec:
    return ElementSpec(
        name=raw["name"],
        requirement=raw["requirement"],
        citation=raw["citation"],
        as_of=raw["as_of"],
        carried_by=tuple(raw.get("carried_by", ())),
    )


@functools.cache
def common_elements() -> tuple[ElementSpec, ...]:
    return tuple(_element(e) for e in _data()["common_elements"])


@functools.cache
def citations() -> Mapping[str, Citation]:
    return {
        key: Citation(key, c["title"], c["provision"], c.get("url", ""), c["as_of"])
        for key, c in _data()["citations"].items()
    }


def _hours(value: Any) -> timedelta | None:
    return None if value is None else timedelta(hours=float(value))


def _jurisdiction(code: str, raw: Mapping[str, Any]) -> Jurisdiction:
    minor = raw["minor"]
    missing = {c.value for c in LegalCategory} - set(raw["category_basis"])
    if missing:
        raise LawDataError(f"regimes.json: {code} has no category_basis for {sorted(missing)}")
    return Jurisdiction(
        code=code,
        name=raw["name"],
        timezone=raw["timezone"],
        legal_basis=raw["legal_basis"],
        deadline_phrase=raw["deadline_phrase"],
        deadline=_hours(raw["deadline_hours"]),
        follow_up_after=_hours(raw["follow_up_hours"]) or timedelta(hours=48),
        basis_element=raw["basis_element"],
        category_basis=dict(raw["category_basis"]),
        statements=tuple(Statement(s["element"], s["text"]) for s in raw["statements"]),
        elements=tuple(_element(e) for e in raw["elements"]),
        minor=MinorRoute(
            minor["deadline_phrase"],
            minor["hotline"]["name"],
            minor["hotline"]["url"],
            minor["citation"],
        ),
        offences=dict(raw.get("offences", {})),
    )


@functools.cache
def _jurisdictions() -> Mapping[str, Jurisdiction]:
    return {code: _jurisdiction(code, raw) for code, raw in _data()["jurisdictions"].items()}


class _Registry(Mapping[str, Jurisdiction]):
    """The jurisdictions, loaded on first use (never at import time)."""

    def __getitem__(self, key: str) -> Jurisdiction:
        return _jurisdictions()[key]

    def __iter__(self) -> Any:
        return iter(_jurisdictions())

    def __len__(self) -> int:
        return len(_jurisdictions())


JURISDICTIONS: Mapping[str, Jurisdiction] = _Registry()

_EU_MEMBERS = frozenset(
    [
        "at",
        "be",
        "bg",
        "hr",
        "cy",
        "cz",
        "dk",
        "ee",
        "fi",
        "fr",
        "de",
        "gr",
        "hu",
        "ie",
        "it",
        "lv",
        "lt",
        "lu",
        "mt",
        "nl",
        "pl",
        "pt",
        "ro",
        "sk",
        "si",
        "es",
        "se",
    ]
)
_DIRECT = {"kr": "kr", "us": "us", "gb": "uk", "uk": "uk", "jp": "jp", "cn": "cn", "ru": "ru"}
_DIRECT |= {"vn": "vn", "eu": "eu", "el": "eu"}

# Internationalised ccTLDs (punycode) that stand for a country we know.
_IDN_CCTLDS: Mapping[str, str] = {
    "xn--3e0b707e": "kr",  # 한국
    "xn--fiqs8s": "cn",  # 中国
    "xn--fiqz9s": "cn",  # 中國
    "xn--p1ai": "ru",  # рф
}

# The site's local time zone, by country, where one zone fits (else the jurisdiction's).
COUNTRY_TIMEZONES: Mapping[str, str] = {
    "kr": "Asia/Seoul",
    "jp": "Asia/Tokyo",
    "cn": "Asia/Shanghai",
    "vn": "Asia/Ho_Chi_Minh",
    "uk": "Europe/London",
    "gb": "Europe/London",
    "de": "Europe/Berlin",
    "fr": "Europe/Paris",
    "es": "Europe/Madrid",
    "it": "Europe/Rome",
    "nl": "Europe/Amsterdam",
    "at": "Europe/Vienna",
    "ie": "Europe/Dublin",
    "pl": "Europe/Warsaw",
    "be": "Europe/Brussels",
    "se": "Europe/Stockholm",
}


def country_to_jurisdiction(country: str) -> str | None:
    """Map an ISO 3166 alpha-2 code (or ccTLD) to a jurisdiction code, ``None`` if unknown."""
    cc = country.strip().lower()
    if cc in _DIRECT:
        return _DIRECT[cc]
    if cc in _EU_MEMBERS:
        return "eu"
    return None


def cctld(host: str) -> str | None:
    """The two-letter country-code TLD of ``host``, or ``None`` (generic TLD, IP address)."""
    label = host.rstrip(".").rsplit(".", 1)[-1].lower()
    label = _IDN_CCTLDS.get(label, label)
    if len(label) == 2 and label.isalpha():
        return label
    return None


def site_country(host: str, registrar_country: str | None = None) -> str | None:
    """The country a site is taken to be in: its ccTLD, else its registrar's country."""
    return cctld(host) or (registrar_country.lower() if registrar_country else None)


def site_timezone(host: str, jurisdiction: Jurisdiction, registrar_country: str | None) -> str:
    country = site_country(host, registrar_country)
    return COUNTRY_TIMEZONES.get(country or "", jurisdiction.timezone)


def jurisdiction_for(
    host: str, *, registrar_country: str | None = None, override: str | None = None
) -> Jurisdiction:
    """Choose the jurisdiction: the site's ccTLD, else the registrar's country, else ``override``.

    ``override`` is the ``jurisdiction_override`` setting (a code from :data:`JURISDICTIONS`);
    without any of the three the general international frame applies.
    """
    for candidate in (cctld(host), registrar_country):
        if candidate:
            code = country_to_jurisdiction(candidate)
            if code is not None:
                return JURISDICTIONS[code]
    if override:
        try:
            return JURISDICTIONS[override.strip().lower()]
        except KeyError:
            raise ValueError(
                f"unknown jurisdiction {override!r}; expected one of {sorted(JURISDICTIONS)}"
            ) from None
    return JURISDICTIONS["intl"]


def eu_offence(country: str | None) -> str | None:
    """The national offence of an EU Member State on file, or ``None`` (the officer names it)."""
    return JURISDICTIONS["eu"].offences.get((country or "").lower())
