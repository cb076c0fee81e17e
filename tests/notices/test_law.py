"""Choosing the jurisdiction of a deletion request."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from importlib import resources

import pytest

from takedown.notices.law import JURISDICTIONS, cctld, citations, common_elements, jurisdiction_for


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
        ("example.ru", "ru"),
        ("example.xn--p1ai", "ru"),
        ("example.cn", "cn"),
        ("example.vn", "vn"),
        ("example.br", "intl"),
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
    assert JURISDICTIONS["jp"].deadline is None  # Art. 4: an objection period, not a deadline
    assert JURISDICTIONS["kr"].deadline_phrase == "without delay"
    assert "Article 22-5" in JURISDICTIONS["kr"].legal_basis
    assert "TAKE IT DOWN" in JURISDICTIONS["us"].legal_basis
    assert "Article 16" in JURISDICTIONS["eu"].legal_basis
    assert "Online Safety Act" in JURISDICTIONS["uk"].legal_basis
    assert {"eu.explanation", "eu.accuracy", "eu.receipt"} <= set(
        JURISDICTIONS["eu"].required_names
    )
    assert {"kr.item", "kr.mandate", "kr.sanctions"} <= set(JURISDICTIONS["kr"].required_names)
    assert {
        "us.identification",
        "us.good_faith_belief",
        "us.representative",
        "us.removal_process",
    } <= set(JURISDICTIONS["us"].required_names)
    assert {"jp.objection_period", "jp.platform_act"} <= set(JURISDICTIONS["jp"].required_names)
    assert set(JURISDICTIONS) == {"kr", "us", "eu", "uk", "jp", "cn", "ru", "vn", "intl"}


def test_every_entry_of_the_data_file_is_cited_and_dated() -> None:
    raw = json.loads(
        resources.files("takedown.notices").joinpath("data", "regimes.json").read_text("utf-8")
    )
    assert raw["verified_by_lawyer"] is False  # until a lawyer signs it off
    cites = citations()
    date = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    for spec in common_elements():
        assert spec.citation in cites and date.match(spec.as_of)
    for j in JURISDICTIONS.values():
        for spec in j.elements:
            assert spec.citation in cites, (j.code, spec.name)
            assert date.match(spec.as_of), (j.code, spec.name)
        assert j.minor.citation in cites
        assert j.minor.hotline_url.startswith("https://")
    for cite in cites.values():
        assert date.match(cite.as_of) and cite.title and cite.provision
