"""`takedown contacts refresh-bootstrap` against a local mirror: all three files or none."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from takedown.cli.main import cli
from takedown.notices.contacts.rdap import DomainBootstrap
from tests.notices.conftest import Site

DNS = {
    "version": "1.0",
    "publication": "2026-12-01T00:00:00Z",
    "services": [[["kr"], ["https://rdap.zorblat.example/"]]],
}
IPV4 = {"version": "1.0", "services": [[["203.0.113.0/24"], ["https://rdap.zorblat.example/ip/"]]]}
IPV6 = {"version": "1.0", "services": [[["2001:db8::/32"], ["https://rdap.zorblat.example/ip/"]]]}


def test_refresh_writes_all_three_dated(make_site: Callable[[], Site], tmp_path: Path) -> None:
    mirror = make_site()
    for name, doc in (("dns.json", DNS), ("ipv4.json", IPV4), ("ipv6.json", IPV6)):
        mirror.json(f"/rdap/{name}", doc)
    out = tmp_path / "snapshot"
    result = CliRunner().invoke(
        cli,
        [
            "--home",
            str(tmp_path / "home"),
            "contacts",
            "refresh-bootstrap",
            "--source",
            mirror.url("/rdap/"),
            "--output",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    written = json.loads((out / "dns.json").read_text("utf-8"))
    assert DomainBootstrap.from_json(written).servers_for("zorblat.kr") == (
        "https://rdap.zorblat.example/",
    )
    assert "refresh-bootstrap" in written["description"]
    assert (out / "ipv4.json").exists() and (out / "ipv6.json").exists()


def test_a_bad_file_replaces_nothing(make_site: Callable[[], Site], tmp_path: Path) -> None:
    mirror = make_site()
    mirror.json("/rdap/dns.json", DNS)
    mirror.json("/rdap/ipv4.json", {"no": "services"})
    out = tmp_path / "snapshot"
    result = CliRunner().invoke(
        cli,
        [
            "--home",
            str(tmp_path / "home"),
            "contacts",
            "refresh-bootstrap",
            "--source",
            mirror.url("/rdap/"),
            "--output",
            str(out),
        ],
    )
    assert result.exit_code != 0 and "nothing replaced" in result.output
    assert not out.exists() or not any(out.iterdir())
