"""The web-form channel against a local site whose report form has a session, a CSRF token on
each step, two steps and a file upload: the approved request (``Notice.channel = "webform"``) is
submitted through it by the send stage, once, with the right URLs, screenshots before and after
kept as encrypted evidence and the report number on the request. A form with a CAPTCHA, and one
behind a login, stop before anything is posted and go to the officer with the values to copy."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from takedown.config import Settings
from takedown.evidence.record import EvidenceRecord
from takedown.notices.contacts.discover import site_key
from takedown.notices.webform.recipe import RecipeError, load_recipe
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Notice
from tests.notices.conftest import Site
from tests.notices.seed import request_for
from tests.notices.webform_site import ReportSite
from tests.support.drain import drain

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium"),
]
CENTER_EMAIL = "requests@center.test"


@pytest.fixture
def form_site() -> Iterator[ReportSite]:
    site = ReportSite()
    site.start()
    yield site
    site.stop()


@pytest.fixture
def pages() -> Iterator[dict[str, Site]]:
    made = {name: Site() for name in ("ok", "captcha", "login")}
    for site in made.values():
        site.server.start()
        site.html("/post/1", "<html><body><p>zorblat post</p></body></html>")
    yield made
    for site in made.values():
        site.server.stop()


def _recipe(form: ReportSite, site: Site, path: str) -> dict[str, object]:
    return {
        "name": f"report form at {path}",
        "sites": [site_key(site.url("/post/1"))],
        "url": form.origin + path,
        "steps": [
            {
                "fill": {"#email": "{center_email}", "#urls": "{urls}"},
                "click": "#next",
                "wait_for": "#step2",
            },
            {
                "fill": {"#details": "{subject}\n\n{body}"},
                "attach": {"#file": "request"},
                "click": "#send",
                "submit": True,
            },
        ],
        "success": {
            "selector": ".confirmation",
            "contains": "received",
            "number": r"Report ID: ([A-Z0-9-]+)",
        },
    }


@pytest.fixture
def rt(tmp_path: Path, form_site: ReportSite, pages: dict[str, Site]) -> Iterator[Runtime]:
    recipes = tmp_path / "webforms"
    recipes.mkdir()
    # An administrator's data files, YAML and JSON alike.
    (recipes / "ok.yaml").write_text(yaml.safe_dump(_recipe(form_site, pages["ok"], "/report")))
    (recipes / "captcha.json").write_text(
        json.dumps(_recipe(form_site, pages["captcha"], "/captcha-report"))
    )
    (recipes / "login.yaml").write_text(
        yaml.safe_dump(_recipe(form_site, pages["login"], "/members/report"))
    )
    r = Runtime(
        Settings(
            home=tmp_path / "home",
            fetch_allow=[form_site.origin, *(s.origin for s in pages.values())],
            center_email=CENTER_EMAIL,
            webform_recipes_dir=recipes,
        )
    )
    yield r
    r.close()


def test_an_approved_request_is_submitted_through_the_report_form_once(
    rt: Runtime, form_site: ReportSite, pages: dict[str, Site]
) -> None:
    page_url = pages["ok"].url("/post/1")
    nid = request_for(rt, pages["ok"], "abuse@site-ok.test", [], channel="webform")
    drain(rt)
    assert form_site.refused == []  # the CSRF token of each step was the page's own
    assert len(form_site.submissions) == 1
    sub = form_site.submissions[0]
    assert sub.urls == [page_url] and sub.email == CENTER_EMAIL
    assert "Please remove" in sub.details and page_url in sub.details
    assert sub.file_name == "request.txt" and "Deletion request" in sub.file_text
    with rt.db.session() as s:
        n = s.get(Notice, nid)
        assert n is not None and n.status == "sent" and n.send_state == "done"
        receipt = n.detail["webform"]
    assert receipt["confirmed"] is True and receipt["number"] == "RPT-00001"
    assert "received" in receipt["text"] and receipt["form"] == form_site.origin + "/report"
    record = EvidenceRecord.open(
        rt.services.store, receipt["evidence_key"], vault=rt.services.vault
    )
    shots = {a.name: a for a in record.manifest.artifacts}
    assert set(shots) == {"before-submit-2.png", "after-submit-2.png"}
    assert all(a.encrypted for a in shots.values())
    assert record.read("after-submit-2.png").startswith(b"\x89PNG")
    # Asked to send again (a duplicate task, a second approval click): nothing is posted twice.
    rt.submit("send", nid)
    drain(rt)
    assert len(form_site.submissions) == 1


def test_captcha_and_login_walls_hand_the_form_to_the_officer(
    rt: Runtime, form_site: ReportSite, pages: dict[str, Site]
) -> None:
    captcha = request_for(rt, pages["captcha"], "abuse@c.test", [], channel="webform")
    login = request_for(rt, pages["login"], "abuse@l.test", [], channel="webform")
    drain(rt)
    assert form_site.posts == 0 and form_site.submissions == []  # nothing was submitted
    with rt.db.session() as s:
        for nid, reason in ((captcha, "a CAPTCHA"), (login, "a login wall")):
            n = s.get(Notice, nid)
            assert n is not None and n.status == "failed" and n.send_state == "blocked", n.error
            handed = n.detail["webform"]
            assert handed["state"] == "needs_officer" and handed["reason"] == reason
            assert n.error is not None and "by hand" in n.error
            values = {v["field"]: v["value"] for v in handed["values"]}
            page_url = pages["captcha" if nid == captcha else "login"].url("/post/1")
            assert values["#urls"] == page_url and values["#email"] == CENTER_EMAIL
            assert "Please remove" in values["#details"]
            assert handed["evidence_key"]  # the screenshot of where it stopped


def test_a_broken_recipe_is_refused_with_its_name(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"sites": ["x.test"], "url": "file:///etc/passwd", "steps": []}))
    with pytest.raises(RecipeError, match=r"bad\.yaml"):
        load_recipe(bad)
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(
        yaml.safe_dump(
            {"sites": ["x.test"], "url": "https://x.test/r", "steps": [{"fill": {"#a": "{case}"}}]}
        )
    )
    with pytest.raises(RecipeError, match="unknown field"):
        load_recipe(unknown)
