"""Refreshing the bundled snapshot of IANA's RDAP bootstrap files (RFC 9224).

``takedown contacts refresh-bootstrap`` downloads ``dns.json``, ``ipv4.json`` and ``ipv6.json``
from IANA (or a mirror), checks each parses as a bootstrap file, and writes them with the date of
the refresh. Nothing is replaced unless all three are good.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from takedown.fetch.http import Fetcher
from takedown.notices.contacts.rdap import DomainBootstrap, IpBootstrap, RdapError, _get_json

IANA_BASE = "https://data.iana.org/rdap/"
FILES = ("dns.json", "ipv4.json", "ipv6.json")
DATA_DIR = Path(__file__).with_name("data")


@dataclass(frozen=True)
class Refreshed:
    directory: Path
    services: dict[str, int]  # file -> number of service entries


async def refresh_bootstrap(
    fetcher: Fetcher, *, base: str = IANA_BASE, output: Path = DATA_DIR, now: datetime
) -> Refreshed:
    base = base if base.endswith("/") else base + "/"
    documents: dict[str, Any] = {}
    for name in FILES:
        data = await _get_json(fetcher, base + name)
        if data is None:
            raise RdapError(f"{base}{name}: not found")
        if name == "dns.json":
            DomainBootstrap.from_json(data)
        else:
            IpBootstrap.from_json(data)
        documents[name] = data
    output.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for name, data in documents.items():
        data = dict(data)
        data["description"] = (
            f"Copy of {base}{name} fetched by `takedown contacts refresh-bootstrap` on "
            f"{now:%Y-%m-%d %H:%M} UTC."
        )
        tmp = output / f".{name}.tmp"
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", "utf-8")
        tmp.replace(output / name)
        counts[name] = len(data.get("services", []))
    return Refreshed(output, counts)
