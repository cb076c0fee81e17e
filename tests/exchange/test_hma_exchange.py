"""Must-show 1: a partner's HMA requests and the python-threatexchange extension, against the
real service on a loopback port: an edited copy's PDQ finds the bank, a partner token reads no
case and lists no bank, a withdrawn reference is a tombstone in the next fetch."""

from __future__ import annotations

import os
import subprocess
import sys
import typing as t
from pathlib import Path

import httpx
import numpy as np
import pdqhash
import pytest
import requests
from PIL import Image, ImageEnhance
from skimage import data as skdata
from sqlalchemy import select

from takedown.pipeline.runtime import Runtime
from takedown.store.tables import AuditEvent, BankEntry
from tests.conftest import auth
from tests.exchange.conftest import EXTENSION
from tests.support.images import jpeg

TX_CLI = Path(sys.executable).with_name("threatexchange")


def _pdq(img: Image.Image) -> str:
    bits, _quality = pdqhash.compute(np.asarray(img.convert("RGB")))
    return "".join(
        f"{int(''.join(str(b) for b in bits[i : i + 4]), 2):x}" for i in range(0, 256, 4)
    )


def _edited(img: Image.Image) -> Image.Image:
    small = img.resize((img.width * 2 // 3, img.height * 2 // 3))
    cropped = small.crop((6, 4, small.width - 6, small.height - 4))
    return ImageEnhance.Brightness(cropped).enhance(1.1)


def _setup(served: str, tokens: dict[str, str]) -> tuple[int, int, Image.Image]:
    h = auth(tokens["officer"])
    with httpx.Client(base_url=served, headers=h, timeout=30) as c:
        case = c.post("/api/v1/cases", json={"name": "zorblat"}).json()
        ref = Image.fromarray(skdata.chelsea())
        r = c.post(
            f"/api/v1/cases/{case['id']}/references",
            files={"file": ("o.jpg", jpeg(ref, 95), "image/jpeg")},
        )
        assert r.status_code == 201, r.text
        r2 = c.post(
            f"/api/v1/cases/{case['id']}/references/hashes",
            json={"algorithm": "md5", "hashes": ["0123456789abcdef0123456789abcdef"]},
        )
        assert r2.status_code == 201, r2.text
        assert c.post("/api/v1/banks", json={"name": "ncii-zorblat"}).status_code == 201
        assert c.post("/api/v1/banks", json={"name": "ncii-zorblat"}).status_code == 409
        pub = c.post(f"/api/v1/cases/{case['id']}/publish", json={"bank": "ncii-zorblat"})
        assert pub.status_code == 200, pub.text
        assert pub.json()["added"] >= 3 and pub.json()["references"] == 2
        again = c.post(f"/api/v1/cases/{case['id']}/publish", json={"bank": "ncii-zorblat"})
        assert again.json()["added"] == 0  # publishing twice adds nothing
    return int(case["id"]), int(r.json()["id"]), ref


def test_partner_lookup_fetch_and_withdrawal(
    served: str,
    tokens: dict[str, str],
    partner_token: str,
    runtime: Runtime,
    takedown_tx: None,
) -> None:
    from threatexchange.extensions.manifest import ThreatExchangeExtensionManifest
    from threatexchange.signal_type.md5 import VideoMD5Signal
    from threatexchange.signal_type.pdq.signal import PdqSignal

    case_id, ref_id, ref = _setup(served, tokens)
    p = auth(partner_token)

    # HMA's documented lookup of an edited copy's PDQ names the bank, nothing else.
    edited = _pdq(_edited(ref))
    r = requests.get(
        f"{served}/m/lookup", params={"signal_type": "pdq", "signal": edited}, headers=p, timeout=30
    )
    assert r.status_code == 200, r.text
    found = r.json()
    assert list(found) == ["ncii-zorblat"]  # HMA's {BANK: [{"bank_content_id", "distance"}]}
    assert all(set(m) == {"bank_content_id", "distance"} for m in found["ncii-zorblat"])
    assert min(int(m["distance"]) for m in found["ncii-zorblat"]) <= 31
    only_other = requests.get(
        f"{served}/m/lookup",
        params={"signal_type": "pdq", "signal": edited, "banks": "other-bank"},
        headers=p,
        timeout=30,
    )
    assert only_other.json() == {}
    raw = requests.get(
        f"{served}/m/raw_lookup",
        params={"signal_type": "pdq", "signal": edited, "include_distance": "true"},
        headers=p,
        timeout=30,
    ).json()
    assert raw["matches"] and set(raw["matches"][0]) == {"bank_content_id", "distance"}
    assert 0 < int(raw["matches"][0]["distance"]) <= 31
    unrelated = _pdq(Image.fromarray(skdata.coffee()))
    r = requests.get(
        f"{served}/m/lookup",
        params={"signal_type": "pdq", "signal": unrelated},
        headers=p,
        timeout=30,
    )
    assert r.json() == {}

    # A partner token reads no case and lists no bank; officers' routes refuse it.
    with httpx.Client(base_url=served, headers=p, timeout=30) as c:
        assert c.get("/api/v1/banks").status_code == 403
        assert c.get(f"/api/v1/cases/{case_id}").status_code == 403
        assert c.get(f"/api/v1/cases/{case_id}/references").status_code == 403
        assert c.post("/api/v1/banks", json={"name": "x"}).status_code == 403
        # Bad input: clear 400s; a file body to lookup is refused.
        for params in (
            {"signal_type": "pdq", "signal": "zz" * 32},
            {"signal_type": "pdq", "signal": "ab" * 31},
            {"signal_type": "photodna", "signal": "ab" * 32},
            {"signal_type": "video_md5", "signal": "ab" * 15},
        ):
            assert c.get("/m/lookup", params=params).status_code == 400, params
        assert c.get("/m/lookup").status_code == 422
        assert c.post("/m/lookup", files={"file": ("a.jpg", b"x", "image/jpeg")}).status_code == 415
    # Officers' tokens are not partner tokens.
    assert (
        httpx.get(
            f"{served}/m/lookup",
            params={"signal_type": "pdq", "signal": edited},
            headers=auth(tokens["admin"]),
        ).status_code
        == 403
    )

    # The python-threatexchange extension, loaded by its TX_MANIFEST as HMA loads it.
    manifest = ThreatExchangeExtensionManifest.load_from_module_name("takedown_tx")
    (api_cls,) = manifest.apis
    assert api_cls.get_name() == "takedown"
    collab = api_cls.get_config_cls()(name="zorblat", base_url=served, bank="ncii-zorblat")
    creds = api_cls.get_credential_cls()(partner_token)
    api = api_cls.for_collab(collab, creds)
    state: dict[str, t.Any] = {}
    checkpoint = None
    for delta in api.fetch_iter([PdqSignal, VideoMD5Signal], None):
        api_cls.naive_fetch_merge(state, delta.updates)
        checkpoint = delta.checkpoint
    index = api_cls.naive_convert_to_signal_type([PdqSignal, VideoMD5Signal], collab, state)
    assert PdqSignal in index and len(index[PdqSignal]) >= 1
    # An index built from the fetched bank finds the edited copy, as HMA's matcher would.
    pdq_index = PdqSignal.get_index_cls().build(list(index[PdqSignal].items()))
    assert pdq_index.query(edited)

    # Nothing new: the next fetch from the checkpoint is empty.
    later = list(api.fetch_iter([PdqSignal], checkpoint))
    assert [d.updates for d in later] == [{}]

    # Removing the reference withdraws its hashes: tombstones in the next fetch.
    r = httpx.delete(
        f"{served}/api/v1/cases/{case_id}/references/{ref_id}", headers=auth(tokens["officer"])
    )
    assert r.status_code == 204, r.text
    deltas = list(api.fetch_iter([PdqSignal], checkpoint))
    tombstones = {k for d in deltas for k, v in d.updates.items() if v is None}
    assert tombstones and tombstones <= set(state)
    for d in deltas:
        api_cls.naive_fetch_merge(state, d.updates)
    index = api_cls.naive_convert_to_signal_type([PdqSignal, VideoMD5Signal], collab, state)
    assert PdqSignal not in index  # the photo's hashes are gone ...
    assert VideoMD5Signal not in index  # (md5 of a photo is "md5", not video_md5)
    assert state  # ... the other reference's MD5 stays
    r = requests.get(
        f"{served}/m/lookup", params={"signal_type": "pdq", "signal": edited}, headers=p, timeout=30
    )
    assert r.json() == {}

    # A forged or foreign cursor is a 400 and fetches nothing.
    forged = deltas[-1].checkpoint.cursor[:-3] + "AAA"
    r = requests.get(
        f"{served}/m/banks/ncii-zorblat/fetch", params={"checkpoint": forged}, headers=p, timeout=30
    )
    assert r.status_code == 400
    assert requests.get(f"{served}/m/banks/nope/fetch", headers=p, timeout=30).status_code == 404

    with runtime.db.session() as s:
        actions = set(s.execute(select(AuditEvent.action)).scalars())
        assert {"partner.lookup", "partner.fetch", "bank.publish", "bank.withdraw"} <= actions
        live = s.execute(select(BankEntry).where(BankEntry.withdrawn.is_(False))).scalars().all()
        assert [e.signal_type for e in live] == ["md5"]


def test_lookup_flood_is_limited(served: str, partner_token: str, runtime: Runtime) -> None:
    # The running app reads the limit from its settings object at each call.
    object.__setattr__(runtime.settings, "partner_lookups_per_minute", 5)
    p = auth(partner_token)
    params = {"signal_type": "pdq", "signal": "ab" * 32}
    codes = [
        httpx.get(f"{served}/m/lookup", params=params, headers=p).status_code for _ in range(8)
    ]
    assert codes[:5] == [200] * 5 and codes[5:] == [429] * 3
    r = httpx.get(f"{served}/m/lookup", params=params, headers=p)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


@pytest.mark.slow
def test_threatexchange_cli_subscribes_and_matches(
    served: str, tokens: dict[str, str], partner_token: str, tmp_path: Path
) -> None:
    """python-threatexchange's own CLI, with the extension added by name, fetches the bank and
    matches an edited copy; after the reference is removed, a new fetch drops the match."""
    case_id, ref_id, ref = _setup(served, tokens)
    # A second photo stays in the bank: the CLI rebuilds its PDQ index only while it has PDQ
    # signals (with none left it keeps the old index file, a quirk of threatexchange 1.2.17).
    with httpx.Client(base_url=served, headers=auth(tokens["officer"]), timeout=30) as c:
        other = c.post(
            f"/api/v1/cases/{case_id}/references/hashes",
            json={"algorithm": "pdq", "hashes": [_pdq(Image.fromarray(skdata.coffee()))]},
        )
        assert other.status_code == 201
        assert (
            c.post(f"/api/v1/cases/{case_id}/publish", json={"bank": "ncii-zorblat"}).json()[
                "added"
            ]
            == 1
        )
    photo = tmp_path / "edited.jpg"
    photo.write_bytes(jpeg(_edited(ref), 75))
    env = {
        "HOME": str(tmp_path / "txhome"),
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(EXTENSION),
        "TX_TAKEDOWN_TOKEN": partner_token,
    }
    (tmp_path / "txhome").mkdir()

    def tx(*args: str) -> str:
        done = subprocess.run(
            [str(TX_CLI), *args], env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout

    tx("config", "extensions", "add", "takedown_tx")
    tx("config", "collab", "edit", "takedown", "zorblat", "--create",
       "--base-url", served, "--bank", "ncii-zorblat")  # fmt: skip
    tx("fetch")
    found = tx("match", "photo", str(photo))
    assert "zorblat" in found and "pdq" in found, found
    r = httpx.delete(
        f"{served}/api/v1/cases/{case_id}/references/{ref_id}", headers=auth(tokens["officer"])
    )
    assert r.status_code == 204
    tx("fetch")
    assert "zorblat" not in tx("match", "photo", str(photo))
