"""Jurisdictions a deletion request can rely on: legal basis, deadline and required elements.

The texts here are English source strings (gettext msgids, context = jurisdiction code); the
translations live in ``locales/<lang>/LC_MESSAGES/law.po``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta


class Element(enum.Enum):
    """Something a notice must contain; the meta-test checks every rendered notice for each."""

    URLS = "exact URLs of the content"
    HASHES = "SHA-256 and PDQ of each file"
    EVIDENCE_REF = "evidence reference"
    LEGAL_CATEGORY = "legal category of the material"
    LEGAL_BASIS = "legal basis"
    CENTER_IDENTITY = "requesting body and its designation"
    CONTACT = "sender's contact details"
    GOOD_FAITH = "good-faith statement"
    ACCURACY = "statement that the notice is accurate and complete"
    EXPLANATION = "explanation of why the content is illegal"
    DEADLINE = "deadline"
    SIGNATURE = "signature"


COMMON_ELEMENTS: frozenset[Element] = frozenset(
    {
        Element.URLS,
        Element.HASHES,
        Element.EVIDENCE_REF,
        Element.LEGAL_CATEGORY,
        Element.LEGAL_BASIS,
        Element.CENTER_IDENTITY,
        Element.CONTACT,
        Element.GOOD_FAITH,
        Element.DEADLINE,
        Element.SIGNATURE,
    }
)


@dataclass(frozen=True)
class Jurisdiction:
    """One legal frame for a deletion request.

    ``deadline`` is ``None`` when the law says "without delay" rather than a number of hours;
    ``follow_up_after`` is then the time after which the request is treated as unanswered.
    """

    code: str
    name: str
    legal_basis: str
    deadline_phrase: str
    deadline: timedelta | None
    follow_up_after: timedelta
    required: frozenset[Element]
    # Sentences the law asks for beyond the common ones (e.g. DSA's accuracy statement).
    extra_statements: tuple[str, ...] = ()


_KR = Jurisdiction(
    code="kr",
    name="Republic of Korea",
    legal_basis=(
        "This request is made under Article 22-5(1) of the Telecommunications Business Act of "
        "the Republic of Korea and its Enforcement Decree. A provider that receives such a "
        "request from a designated body must delete the material or block access to it without "
        "delay; failing to do so is subject to penalties under the same Act."
    ),
    deadline_phrase="without delay",
    deadline=None,
    follow_up_after=timedelta(hours=24),
    required=COMMON_ELEMENTS,
)

_US = Jurisdiction(
    code="us",
    name="United States",
    legal_basis=(
        "This is a removal request under Section 3 of the TAKE IT DOWN Act (Public Law 119-12). "
        "A covered platform must remove the intimate visual depiction, and make reasonable "
        "efforts to remove known identical copies, as soon as possible and no later than "
        "48 hours after receiving a valid request."
    ),
    deadline_phrase="within 48 hours of receiving this request",
    deadline=timedelta(hours=48),
    follow_up_after=timedelta(hours=48),
    required=COMMON_ELEMENTS,
    extra_statements=(
        "We act as the person's authorized representative. The signature below is our "
        "electronic signature; the URLs and hashes above identify and locate each depiction.",
    ),
)

_EU = Jurisdiction(
    code="eu",
    name="European Union",
    legal_basis=(
        "This is a notice under Article 16 of Regulation (EU) 2022/2065 (Digital Services Act). "
        "Sharing intimate images of a person without that person's consent is illegal content "
        "under the law of the Member States, including the offence set out in Article 5 of "
        "Directive (EU) 2024/1385. A provider must process this notice in a timely, diligent, "
        "non-arbitrary and objective manner."
    ),
    deadline_phrase="without undue delay",
    deadline=None,
    follow_up_after=timedelta(hours=48),
    required=COMMON_ELEMENTS | {Element.ACCURACY, Element.EXPLANATION},
    extra_statements=(
        "Explanation of the reasons: the listed files show a person in an intimate situation "
        "and were published without that person's consent, which makes them illegal content.",
        "We confirm our bona fide belief that the information and allegations in this notice "
        "are accurate and complete.",
    ),
)

_UK = Jurisdiction(
    code="uk",
    name="United Kingdom",
    legal_basis=(
        "Sharing an intimate image of a person without consent is an offence under section 66B "
        "of the Sexual Offences Act 2003 and priority illegal content under the Online Safety "
        "Act 2023. Under section 10 of that Act, a service provider must swiftly take down "
        "such content once it is made aware of it."
    ),
    deadline_phrase="swiftly, and within 48 hours at the latest",
    deadline=timedelta(hours=48),
    follow_up_after=timedelta(hours=48),
    required=COMMON_ELEMENTS,
)

_JP = Jurisdiction(
    code="jp",
    name="Japan",
    legal_basis=(
        "This request concerns private sexual image records within the meaning of the Act on "
        "the Prevention of Damage Caused by the Provision of Private Sexual Image Records "
        "(Act No. 126 of 2014). Under Article 4 of that Act, a provider may take the content "
        "down if the sender does not object within two days of being asked."
    ),
    deadline_phrase="within two days",
    deadline=timedelta(days=2),
    follow_up_after=timedelta(days=2),
    required=COMMON_ELEMENTS,
)

_INTL = Jurisdiction(
    code="intl",
    name="International",
    legal_basis=(
        "Publishing intimate images of a person without that person's consent is unlawful in "
        "most countries and breaches the terms of service of virtually every online service. "
        "We ask you to apply your own law and policies, and the principles of international "
        "cooperation against image-based abuse."
    ),
    deadline_phrase="within 48 hours",
    deadline=timedelta(hours=48),
    follow_up_after=timedelta(hours=48),
    required=COMMON_ELEMENTS,
)

JURISDICTIONS: Mapping[str, Jurisdiction] = {j.code: j for j in (_KR, _US, _EU, _UK, _JP, _INTL)}

_EU_MEMBERS = frozenset(
    {
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
    }
)

# Internationalised ccTLDs (punycode) that stand for a country we know.
_IDN_CCTLDS: Mapping[str, str] = {
    "xn--3e0b707e": "kr",  # 한국
    "xn--fiqs8s": "cn",
    "xn--p1ai": "ru",
}


def country_to_jurisdiction(country: str) -> str | None:
    """Map an ISO 3166 alpha-2 code (or ccTLD) to a jurisdiction code, ``None`` if unknown."""
    cc = country.strip().lower()
    if cc == "kr":
        return "kr"
    if cc == "us":
        return "us"
    if cc in ("gb", "uk"):
        return "uk"
    if cc == "jp":
        return "jp"
    if cc in _EU_MEMBERS or cc == "eu" or cc == "el":
        return "eu"
    return None


def cctld(host: str) -> str | None:
    """The two-letter country-code TLD of ``host``, or ``None`` (generic TLD, IP address)."""
    label = host.rstrip(".").rsplit(".", 1)[-1].lower()
    label = _IDN_CCTLDS.get(label, label)
    if len(label) == 2 and label.isalpha():
        return label
    return None


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
