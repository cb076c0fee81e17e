"""Importing StopNCII, NCMEC and ThreatExchange hash lists into a case or a watch list, with
provenance; bad lists are refused whole."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.cli.main import cli
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import AuditEvent, Bank, BankEntry, Reference
from tests.conftest import auth

PDQ_A = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ_B = "5feb5321f01da156898e2b7629a5d343c412cdbd23f48942464526315db33ffd"
MD5 = "0123456789abcdef0123456789abcdef"
SHA = "ab" * 32

STOPNCII = {
    "count": 4,
    "nextSetTimestamp": 1700000000,
    "hasMoreRecords": False,
    "hashRecords": [
        {"signalType": "ImagePDQ", "hashValue": PDQ_A, "hashStatus": "Active",
         "caseNumbers": {"zorblat-1": "Active"}, "lastModtimestamp": 1},
        {"signalType": "VideoMD5", "hashValue": MD5, "hashStatus": "Active",
         "caseNumbers": {}, "lastModtimestamp": 2},
        {"signalType": "VideoTMK", "hashValue": "00" * 40, "hashStatus": "Active",
         "caseNumbers": {}, "lastModtimestamp": 3},
        {"signalType": "ImagePDQ", "hashValue": PDQ_B, "hashStatus": "Withdrawn",
         "caseNumbers": {}, "lastModtimestamp": 4},
    ],
}  # fmt: skip

NCMEC = f"""<?xml version="1.0" encoding="UTF-8"?>
<queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2">
  <images count="2" maxTimestamp="2024-01-01T00:00:00Z">
    <image><id>101</id><member id="7">Zorblat ESP</member>
      <fingerprints><md5>{MD5}</md5><sha1>{"cd" * 20}</sha1><pdq>{PDQ_A}</pdq></fingerprints>
    </image>
    <deletedImage><id>102</id><member id="7">Zorblat ESP</member></deletedImage>
  </images>
  <videos count="1"><video><id>201</id><member id="7">Zorblat ESP</member>
    <fingerprints><md5>{"ef" * 16}</md5><tmk_pdqf>xyz</tmk_pdqf></fingerprints></video></videos>
</queryResult>"""

TX_LINES = f"pdq {PDQ_B}\n# a comment\nvideo_md5 {MD5}\nurl https://zorblat.invalid/\n"
TX_JSON = {"data": [{"id": "9", "type": "HASH_PDQ", "indicator": PDQ_A},
                    {"id": "10", "indicator": {"type": "HASH_SHA256", "indicator": SHA}}]}  # fmt: skip


def test_stopncii_into_a_case_and_bad_lists(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    h = auth(tokens["officer"])
    case = client.post("/api/v1/cases", json={"name": "c"}, headers=h).json()
    body = {
        "format": "stopncii",
        "source": "StopNCII fetch 2026-12-04",
        "content": json.dumps(STOPNCII),
    }
    r = client.post(f"/api/v1/cases/{case['id']}/import", json=body, headers=h)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["added"] == 2 and out["withdrawn_in_list"] == 1
    assert out["skipped"] == {"StopNCII VideoTMK": 1}
    assert out["provenance"]["source"] == "StopNCII fetch 2026-12-04"
    with runtime.db.session() as s:
        refs = list(s.execute(select(Reference).order_by(Reference.id)).scalars())
        assert [(r.origin, r.kind) for r in refs] == [
            ("import:stopncii", "image"),
            ("import:stopncii", "video"),
        ]
        assert refs[0].hashes["pdq"][0][0] == PDQ_A and refs[1].hashes["md5"] == MD5
        ev = s.execute(
            select(AuditEvent).where(AuditEvent.action == "exchange.import")
        ).scalar_one()
        assert ev.data["list_sha256"] and ev.data["format"] == "stopncii"
    # A malformed hash anywhere: the whole list is refused, nothing is added.
    broken = json.loads(json.dumps(STOPNCII))
    broken["hashRecords"][1]["hashValue"] = "xyz"
    r = client.post(
        f"/api/v1/cases/{case['id']}/import",
        json={**body, "content": json.dumps(broken)},
        headers=h,
    )
    assert r.status_code == 422 and "record 2" in r.json()["detail"]
    for bad in ("not json", "[1, 2]", '{"hashRecords": 3}'):
        r = client.post(
            f"/api/v1/cases/{case['id']}/import", json={**body, "content": bad}, headers=h
        )
        assert r.status_code == 422, bad
    assert (
        client.post(
            f"/api/v1/cases/{case['id']}/import", json={**body, "format": "csv"}, headers=h
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/api/v1/cases/{case['id']}/import", json=body, headers=auth(tokens["viewer"])
        ).status_code
        == 403
    )
    with runtime.db.session() as s:
        assert len(s.execute(select(Reference)).all()) == 2


def test_ncmec_and_threatexchange_into_a_watch_list(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    h = auth(tokens["officer"])
    assert (
        client.post(
            "/api/v1/banks", json={"name": "watch-zorblat", "kind": "watch"}, headers=h
        ).status_code
        == 201
    )
    assert client.post("/api/v1/banks", json={"name": "shared"}, headers=h).status_code == 201
    body = {"format": "ncmec", "source": "NCMEC hash sharing", "content": NCMEC}
    r = client.post("/api/v1/banks/watch-zorblat/import", json=body, headers=h)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["added"] == 3 and out["withdrawn_in_list"] == 1
    assert out["skipped"] == {"NCMEC sha1": 1, "NCMEC tmk_pdqf": 1}
    for content in (TX_LINES, json.dumps(TX_JSON)):
        r = client.post(
            "/api/v1/banks/watch-zorblat/import",
            json={"format": "threatexchange", "source": "ThreatExchange", "content": content},
            headers=h,
        )
        assert r.status_code == 200, r.text
    # A shared bank takes only a case's own hashes; a DTD is refused.
    assert client.post("/api/v1/banks/shared/import", json=body, headers=h).status_code == 422
    dtd = '<!DOCTYPE x [<!ENTITY a "aaaa">]><queryResult>&a;</queryResult>'
    assert (
        client.post(
            "/api/v1/banks/watch-zorblat/import", json={**body, "content": dtd}, headers=h
        ).status_code
        == 422
    )
    with runtime.db.session() as s:
        entries = list(s.execute(select(BankEntry).order_by(BankEntry.id)).scalars())
        got = [
            (e.signal_type, e.provenance["format"], e.provenance["external_id"]) for e in entries
        ]
        assert got == [
            ("md5", "ncmec", "101"), ("pdq", "ncmec", "101"), ("video_md5", "ncmec", "201"),
            ("pdq", "threatexchange", None), ("video_md5", "threatexchange", None),
            ("pdq", "threatexchange", "9"), ("sha256", "threatexchange", "10"),
        ]  # fmt: skip
        assert all(e.origin == "import" and e.case_id is None for e in entries)


def test_cli_imports_with_provenance(tmp_path: Path) -> None:
    home = tmp_path / "home"
    runner = CliRunner()
    listing = tmp_path / "list.json"
    listing.write_text(json.dumps(STOPNCII))
    assert (
        runner.invoke(cli, ["--home", str(home), "bank", "create", "--watch", "w1"]).exit_code == 0
    )
    r = runner.invoke(
        cli,
        ["--home", str(home), "bank", "import", str(listing), "--format", "stopncii",
         "--source", "StopNCII", "--bank", "w1"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["added"] == 2
    r = runner.invoke(
        cli,
        [
            "--home",
            str(home),
            "bank",
            "import",
            str(listing),
            "--format",
            "ncmec",
            "--source",
            "x",
            "--bank",
            "w1",
        ],
    )
    assert r.exit_code != 0 and "not XML" in r.output
    r = runner.invoke(
        cli,
        [
            "--home",
            str(home),
            "bank",
            "import",
            str(listing),
            "--format",
            "stopncii",
            "--source",
            "x",
        ],
    )
    assert r.exit_code != 0
    rt = Runtime(Settings(home=home))
    try:
        with rt.db.session() as s:
            assert [b.kind for b in s.execute(select(Bank)).scalars()] == ["watch"]
            assert len(s.execute(select(BankEntry)).all()) == 2
    finally:
        rt.close()
