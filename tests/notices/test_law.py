"""Choosing the jurisdiction of a deletion request."""

from __future__ import annotations

from datetime import timedelta

import pytest

from takedown.notices.law import JURISDICTIONS, Element, cctld, jurisdiction_for


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("board.example.kr", "kr"),
        ("www.example.co.kr", "kr"),
        ("example.xn--3e0b707e", "kr"),
        ("example.jp", "jp"),
        ("example.co.uk", "uk"),
        ("example.de", "eu"),
        ("example.es", "eu"),
        ("example.us", "us"),
        ("example.ru", "intl"),
        ("example.com", "intl"),
        ("203.0.113.7", "intl"),
    ],
)
def test_cctld_decides(host: str, expected: str) -> None:
    assert jurisdiction_for(host).code == expected


def test_registrar_country_then_override() -> None:
    assert jurisdiction_for("example.com", registrar_country="US").code == "us"
    assert jurisdiction_for("example.com", registrar_country="FR").code == "eu"
    assert jurisdiction_for("example.com", registrar_country="BR").code == "intl"
    assert jurisdiction_for("example.com", override="kr").code == "kr"
    # The ccTLD wins over the registrar and over the override.
    assert jurisdiction_for("example.jp", registrar_country="US", override="kr").code == "jp"


def test_unknown_override_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown jurisdiction"):
        jurisdiction_for("example.com", override="atlantis")


def test_cctld_ignores_ip_and_generic() -> None:
    assert cctld("10.0.0.1") is None
    assert cctld("example.org") is None
    assert cctld("example.kr.") == "kr"


def test_deadlines_and_elements() -> None:
    assert JURISDICTIONS["us"].deadline == timedelta(hours=48)
    assert JURISDICTIONS["kr"].deadline is None
    assert JURISDICTIONS["kr"].deadline_phrase == "without delay"
    assert "Article 22-5" in JURISDICTIONS["kr"].legal_basis
    assert "TAKE IT DOWN" in JURISDICTIONS["us"].legal_basis
    assert "Article 16" in JURISDICTIONS["eu"].legal_basis
    assert "Online Safety Act" in JURISDICTIONS["uk"].legal_basis
    assert {Element.ACCURACY, Element.EXPLANATION} <= JURISDICTIONS["eu"].required
    assert set(JURISDICTIONS) == {"kr", "us", "eu", "uk", "jp", "intl"}
