"""The sources API with steps, secrets and network settings: secrets go in, never come out."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Source
from takedown.store.tables.audit import AuditEvent
from tests.conftest import auth

PASSWORD = "quillnap-7-vortel"
STEPS = [
    {"goto": "https://board.example/login"},
    {"fill": "#user", "value": "{secret:user}"},
    {"fill": "#password", "value": "{secret:password}"},
    {"click": "#submit"},
    {"age_gate": None},
]


def test_steps_and_secrets_are_stored_sealed_and_shown_by_name(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    h = auth(tokens["officer"])
    body = {
        "url": "https://board.example/list",
        "kind": "page",
        "interval_seconds": 600,
        "steps": STEPS,
        "secrets": {"user": "zorblat", "password": PASSWORD},
        "proxy": "socks5h://127.0.0.1:9050",
        "user_agent": "Mozilla/5.0 (quixel)",
        "locale": "ko-KR",
        "rate": 0.5,
    }
    r = client.post("/api/v1/sources", json=body, headers=h)
    assert r.status_code == 201, r.text
    src = r.json()
    assert src["gated"] is True and src["has_session"] is False
    assert src["secret_names"] == ["password", "user"]
    assert src["options"]["proxy"] == "socks5h://127.0.0.1:9050"
    assert src["options"]["rate"] == 0.5 and src["options"]["locale"] == "ko-KR"
    assert src["options"]["steps"][1] == {"fill": "#user", "value": "{secret:user}"}
    listed = client.get("/api/v1/sources", headers=auth(tokens["viewer"])).text
    assert PASSWORD not in r.text and PASSWORD not in listed
    with runtime.db.session() as s:
        row = s.get(Source, src["id"])
        assert row is not None and row.secrets_sealed
        assert PASSWORD not in row.secrets_sealed and PASSWORD not in str(row.options)
        audit = " ".join(str(e.data) for e in s.execute(select(AuditEvent)).scalars())
    assert PASSWORD not in audit
    # New secrets by PATCH: audited by name, still never shown.
    r = client.patch(
        f"/api/v1/sources/{src['id']}",
        json={"secrets": {"user": "zorblat", "password": PASSWORD + "x"}, "rate": 2},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert r.json()["options"]["rate"] == 2 and r.json()["secret_names"] == ["password", "user"]
    assert PASSWORD not in r.text
    # Removing the steps makes it an ordinary source again.
    r = client.patch(f"/api/v1/sources/{src['id']}", json={"steps": []}, headers=h)
    assert r.json()["gated"] is False and "steps" not in r.json()["options"]


def test_bad_steps_proxies_and_templates_are_refused(
    client: TestClient, tokens: dict[str, str]
) -> None:
    h = auth(tokens["officer"])
    base = {"url": "https://board.example/list", "kind": "page", "interval_seconds": 60}
    cases = [
        ({"steps": [{"goto": "file:///etc/passwd"}]}, "absolute http"),
        ({"steps": [{"click": "#a", "fill": "#b"}]}, "exactly one"),
        ({"steps": [{"dance": "#a"}]}, "exactly one"),
        ({"proxy": "socks5h://user:pw@127.0.0.1:9050"}, "proxy_password"),
        ({"proxy": "ftp://127.0.0.1:21"}, "proxy must be"),
        (
            {"steps": [{"fill": "#p", "value": "{secret:pw}"}], "secrets": {"user": "x"}},
            "not given",
        ),
        ({"kind": "websearch", "url": "https://searx.example/search?q=x"}, "{keyword}"),
    ]
    for extra, word in cases:
        r = client.post("/api/v1/sources", json={**base, **extra}, headers=h)
        assert r.status_code == 422 and word in r.text, (extra, r.text)
    ok = {**base, "kind": "telegram", "url": "https://t.me/s/zorblatchannel"}
    assert client.post("/api/v1/sources", json=ok, headers=h).status_code == 201


def test_an_officer_sees_and_prunes_a_cases_variants(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    h = auth(tokens["officer"])
    case = client.post(
        "/api/v1/cases", json={"name": "case 9", "keywords": ["zorblat", "홍길동"]}, headers=h
    ).json()
    listing = client.get(f"/api/v1/cases/{case['id']}/variants", headers=auth(tokens["viewer"]))
    assert listing.status_code == 200, listing.text
    by_keyword = {k["keyword"]: k["variants"] for k in listing.json()["keywords"]}
    korean = {v["kind"]: v for v in by_keyword["홍길동"]}
    assert korean["romanised"]["text"] == "honggildong" and korean["choseong"]["searched"]
    assert not any(v["pruned"] for v in by_keyword["zorblat"])
    r = client.put(
        f"/api/v1/cases/{case['id']}/variants/pruned",
        json={"pruned": ["zorblats", "zorblat", "ghdrlfehd"]},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert r.json()["pruned"] == ["zorblats", "ghdrlfehd"]  # a keyword itself stays
    pruned = {v["text"] for k in r.json()["keywords"] for v in k["variants"] if v["pruned"]}
    assert pruned == {"zorblats", "ghdrlfehd"}
    # The poll stage's matcher leaves them out.
    from takedown.pipeline.stages.poll import case_keywords

    matcher = case_keywords(runtime.db, []).matcher
    assert matcher is not None
    assert [h.keyword for h in matcher.find("zorblat and ghdrlfehd and zorblats")] == ["zorblat"]
    assert (
        client.put(
            f"/api/v1/cases/{case['id']}/variants/pruned",
            json={"pruned": []},
            headers=auth(tokens["viewer"]),
        ).status_code
        == 403
    )
