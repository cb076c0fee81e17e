"""Importing hash lists from exchanges into a case (references) or a watch-list bank.

Formats:

* ``stopncii``: StopNCII's fetch answer, ``{"hashRecords": [{"signalType", "hashValue",
  "hashStatus", "caseNumbers"}]}`` (or the bare list). ``ImagePDQ`` and ``VideoMD5`` are taken;
  ``VideoTMK`` is skipped (no TMK hasher here); a ``Withdrawn``/``Deleted`` record is not added.
* ``ncmec``: NCMEC's hash-sharing XML (``<images>``/``<videos>`` of ``<image>``/``<video>`` with
  ``<fingerprints><md5/><pdq/>...``); ``deletedImage``/``deletedVideo`` entries are not added.
* ``threatexchange``: python-threatexchange's file lines ``<signal_type> <signal>``, or the
  ThreatExchange Graph API's JSON ``{"data": [{"type": "HASH_PDQ", "indicator": ...}]}``.

Every import keeps its provenance: the format, the source named by the officer, the file's
SHA-256, who imported it and when (in the bank entry, and in the audit log for either target).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal
from xml.etree import ElementTree

from sqlalchemy.orm import Session

from takedown.audit import Event, record
from takedown.exchange.banks import add_entry
from takedown.exchange.signals import SignalError, normalise
from takedown.matching.hashes import PdqVariant, ReferenceHashes
from takedown.review.references import store
from takedown.store.base import utcnow
from takedown.store.tables import Bank, Case

Format = Literal["stopncii", "ncmec", "threatexchange"]
FORMATS: tuple[str, ...] = ("stopncii", "ncmec", "threatexchange")
MAX_RECORDS = 100_000
_STOPNCII = {"ImagePDQ": "pdq", "VideoMD5": "video_md5"}
_NCMEC = {"pdq": "pdq", "md5": "md5"}
_TX_TYPES = {
    "HASH_PDQ": "pdq",
    "HASH_MD5": "md5",
    "HASH_VIDEO_MD5": "video_md5",
    "HASH_SHA256": "sha256",
    "HASH_VIDEO_SHA256": "video_sha256",
}
_ORIGIN = {"stopncii": "import:stopncii", "ncmec": "import:ncmec", "threatexchange": "import:tx"}


class IngestError(ValueError):
    """The list cannot be read; the message says where. Nothing was imported."""


@dataclass(frozen=True)
class Record:
    signal_type: str
    signal: str
    external_id: str | None = None


@dataclass
class Parsed:
    records: list[Record] = field(default_factory=list)
    withdrawn: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1


def _take(out: Parsed, signal_type: str, value: str, external_id: str | None, where: str) -> None:
    if len(out.records) >= MAX_RECORDS:
        raise IngestError(f"more than {MAX_RECORDS} hashes in one list")
    try:
        out.records.append(Record(signal_type, normalise(signal_type, value), external_id))
    except SignalError as exc:
        raise IngestError(f"{where}: {exc}") from None


def parse_stopncii(text: str) -> Parsed:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise IngestError(f"not JSON: {exc}") from None
    records = data.get("hashRecords") if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise IngestError("a StopNCII list has a 'hashRecords' list")
    out = Parsed()
    for n, rec in enumerate(records, 1):
        if not isinstance(rec, dict) or "signalType" not in rec or "hashValue" not in rec:
            raise IngestError(f"record {n}: needs 'signalType' and 'hashValue'")
        kind = str(rec["signalType"])
        if str(rec.get("hashStatus", "Active")) in ("Withdrawn", "Deleted"):
            out.withdrawn += 1
            continue
        if kind not in _STOPNCII:
            out.skip(f"StopNCII {kind}")
            continue
        cases = rec.get("caseNumbers") or {}
        ext = ",".join(sorted(str(c) for c in cases)) if isinstance(cases, dict) else None
        _take(out, _STOPNCII[kind], str(rec["hashValue"]), ext or None, f"record {n}")
    return out


def _strip_ns(tag: str) -> str:
    return tag.rpartition("}")[2]


def parse_ncmec(text: str) -> Parsed:
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise IngestError("XML with a DOCTYPE or entities is refused")
    try:
        # No DTD reaches the parser (refused above), so no entity can expand or be fetched.
        root = ElementTree.fromstring(text)  # noqa: S314
    except ElementTree.ParseError as exc:
        raise IngestError(f"not XML: {exc}") from None
    out = Parsed()
    for el in root.iter():
        tag = _strip_ns(el.tag).lower()
        if tag in ("deletedimage", "deletedvideo"):
            out.withdrawn += 1
            continue
        if tag not in ("image", "video"):
            continue
        ident = next((c.text for c in el if _strip_ns(c.tag).lower() == "id"), None)
        prints = next((c for c in el if _strip_ns(c.tag).lower() == "fingerprints"), None)
        if prints is None:
            out.skip("entry without fingerprints")
            continue
        for fp in prints:
            name, value = _strip_ns(fp.tag).lower(), (fp.text or "").strip()
            if not value:
                continue
            if name not in _NCMEC:
                out.skip(f"NCMEC {name}")
                continue
            stype = "video_md5" if tag == "video" and name == "md5" else _NCMEC[name]
            _take(out, stype, value, ident, f"NCMEC entry {ident}")
    return out


def _tx_json(data: Any) -> Iterator[tuple[str, str, str | None]]:
    items = data.get("data") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise IngestError("ThreatExchange JSON has a 'data' list")
    for item in items:
        if not isinstance(item, dict):
            raise IngestError("each ThreatExchange descriptor is an object")
        ind = item.get("indicator")
        if isinstance(ind, dict):
            kind, value = ind.get("type"), ind.get("indicator")
        else:
            kind, value = item.get("type") or item.get("indicator_type"), ind
        yield str(kind), str(value or ""), str(item["id"]) if "id" in item else None


def parse_threatexchange(text: str) -> Parsed:
    out = Parsed()
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise IngestError(f"not JSON: {exc}") from None
        for kind, value, ident in _tx_json(data):
            if kind not in _TX_TYPES:
                out.skip(f"ThreatExchange {kind}")
                continue
            _take(out, _TX_TYPES[kind], value, ident, f"descriptor {ident or value[:20]}")
        return out
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        kind, _, value = line.partition(" ")
        if not value:
            raise IngestError(f"line {n}: '<signal_type> <signal>' expected")
        if kind not in ("pdq", "vpdq", "md5", "video_md5", "sha256", "video_sha256"):
            out.skip(f"signal type {kind}")
            continue
        _take(out, kind, value.strip(), None, f"line {n}")
    return out


PARSERS = {"stopncii": parse_stopncii, "ncmec": parse_ncmec, "threatexchange": parse_threatexchange}


def parse(fmt: str, text: str) -> Parsed:
    if fmt not in PARSERS:
        raise IngestError(f"unknown format {fmt!r}: use {', '.join(FORMATS)}")
    return PARSERS[fmt](text)


@dataclass(frozen=True)
class Imported:
    target: str
    added: int
    withdrawn_in_list: int
    skipped: dict[str, int]
    provenance: dict[str, Any]
    reference_ids: list[int] = field(default_factory=list)


def _provenance(fmt: str, source: str, text: str, actor: str) -> dict[str, Any]:
    return {
        "format": fmt,
        "source": source[:200],
        "list_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "imported_by": actor,
        "imported_at": utcnow().isoformat(),
    }


def import_to_bank(
    session: Session, bank: Bank, fmt: str, text: str, source: str, actor: str
) -> Imported:
    """Add the list's hashes to a watch-list bank (a shared bank takes only a case's own)."""
    if bank.kind != "watch":
        raise IngestError(f"bank {bank.name!r} is shared with partners: import into a watch list")
    parsed = parse(fmt, text)
    prov = _provenance(fmt, source, text, actor)
    for rec in parsed.records:
        add_entry(
            session, bank, rec.signal_type, rec.signal, "import",
            provenance={**prov, "external_id": rec.external_id},
        )  # fmt: skip
    out = Imported(f"bank:{bank.name}", len(parsed.records), parsed.withdrawn, parsed.skipped, prov)
    record(session, Event("exchange.import", actor, "bank", bank.id, _audit(out)))
    return out


def import_to_case(
    session: Session, case: Case, fmt: str, text: str, source: str, actor: str
) -> Imported:
    """One hash-only reference per hash: the pipeline then matches them like a victim's own."""
    parsed = parse(fmt, text)
    prov = _provenance(fmt, source, text, actor)
    origin = _ORIGIN[fmt]
    ids = []
    for rec in parsed.records:
        ref = store(session, case.id, _reference(rec), origin, actor)
        ids.append(ref.id)
    out = Imported(f"case:{case.id}", len(ids), parsed.withdrawn, parsed.skipped, prov, ids)
    record(session, Event("exchange.import", actor, "case", case.id, _audit(out)))
    return out


def _reference(rec: Record) -> ReferenceHashes:
    t, v = rec.signal_type, rec.signal
    if t == "pdq":
        return ReferenceHashes(kind="image", pdq=(PdqVariant(v, 100, "supplied"),), source="hashes")
    if t == "vpdq":
        return ReferenceHashes.from_hashes("vpdq", [v])
    video = t.startswith("video_")
    if t.endswith("md5"):
        return ReferenceHashes(kind="video" if video else "image", md5=v, source="hashes")
    return ReferenceHashes(kind="video" if video else "image", sha256=v, source="hashes")


def _audit(out: Imported) -> dict[str, Any]:
    return {
        "added": out.added,
        "withdrawn_in_list": out.withdrawn_in_list,
        "skipped": out.skipped,
        "references": out.reference_ids,
        **{k: v for k, v in out.provenance.items() if k != "imported_by"},
    }
