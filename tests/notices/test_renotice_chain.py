"""The re-notice policy through the pipeline, over real SMTP: reminders every interval, then one
escalation per interval to the host, the CDN (none known here: skipped) and the registrar, then
the regulator referral; each a draft that waits for the officer, none drafted twice, nothing
after the last; a "removed" reply stops the sequence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from takedown.accounts.roles import Principal
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.pipeline.scheduler import run_job
from takedown.review import notices as workflow
from takedown.store.tables import Notice
from tests.notices.conftest import Site, SmtpServer
from tests.notices.seed import drafted_request_for
from tests.support.drain import drain
from tests.support.identity import CENTER_IDENTITY

OFFICER = Principal("token", 1, "officer-kim", "officer")
CONTACTS = [
    ("abuse@site.test", "site"),
    ("noc@hosting.test", "rdap-network"),
    ("abuse@registrar.test", "rdap-registrar"),
]


@pytest.fixture
def site() -> Iterator[Site]:
    made = Site()
    made.server.start()
    made.html("/post/1", "<html><body><p>zorblat post</p></body></html>")
    yield made
    made.server.stop()


@pytest.fixture
def rt(
    request: pytest.FixtureRequest, tmp_path: Path, site: Site, smtp_server: SmtpServer
) -> Iterator[Runtime]:
    # A test may set the regulator's address (indirect parametrization); "" sets none.
    regulator = getattr(request, "param", "referrals@regulator.test")
    r = Runtime(
        Settings(
            home=tmp_path / "home",
            fetch_allow=[site.origin],
            smtp_url=smtp_server.url,
            smtp_from="requests@center.test",
            renotice_seconds=3600,
            renotice_escalate_after=2,
            regulator_email=regulator,
            **CENTER_IDENTITY,
        )
    )
    yield r
    r.close()


def _a_day_later(rt: Runtime) -> list[Notice]:
    """Every sent request is a day older; the scheduler looks; the drafts made are returned."""
    with rt.db.session() as s:
        before = set(s.execute(select(Notice.id)).scalars())
        for n in s.execute(select(Notice).where(Notice.sent_at.is_not(None))).scalars():
            assert n.sent_at is not None
            n.sent_at = n.sent_at - timedelta(days=1)
    run_job(rt, "wake_renotices")
    drain(rt)
    with rt.db.session() as s:
        made = list(s.execute(select(Notice).where(Notice.id.not_in(before))).scalars())
        s.expunge_all()
    return made


def _approve(rt: Runtime, notice_id: int) -> None:
    workflow.approve(rt, notice_id, OFFICER)
    drain(rt)


def _first_request(rt: Runtime, site: Site) -> int:
    """The first request, composed by the draft stage and approved through the same checks as
    every later draft: it is complete, so what the chain re-drafts from it is too."""
    first = drafted_request_for(rt, site, CONTACTS)
    with rt.db.session() as s:
        draft = s.get(Notice, first)
        assert draft is not None and draft.status == "draft" and draft.to == ["abuse@site.test"]
        assert workflow.approval_problems(rt.settings, s, draft) == []
    _approve(rt, first)
    return first


def test_reminders_then_escalations_then_referral_each_once(
    rt: Runtime, site: Site, smtp_server: SmtpServer
) -> None:
    first = _first_request(rt, site)
    assert len(smtp_server.mailbox.messages) == 1
    seen: list[tuple[str, list[str]]] = []
    for _ in range(7):
        made = _a_day_later(rt)
        assert len(made) <= 1, made
        if not made:
            break
        draft = made[0]
        assert draft.status == "draft" and draft.body, draft.error
        seen.append((draft.kind, list(draft.to)))
        # While the draft waits for the officer, nothing more is drafted, however long it waits.
        assert _a_day_later(rt) == []
        assert len(smtp_server.mailbox.messages) == len(seen)  # nothing sent without approval
        _approve(rt, draft.id)
    assert seen == [
        ("reminder", ["abuse@site.test"]),
        ("reminder", ["abuse@site.test"]),
        ("escalation", ["noc@hosting.test"]),
        ("escalation", ["abuse@registrar.test"]),  # no CDN is known: that step is skipped
        ("referral", ["referrals@regulator.test"]),
    ]
    recipients = [env.rcpt_tos for env, _ in smtp_server.mailbox.messages]
    assert recipients[-1] == ["referrals@regulator.test"] and len(recipients) == 6
    referral = smtp_server.mailbox.messages[-1][1]
    assert site.url("/post/1") in referral.get_payload(decode=True).decode()
    with rt.db.session() as s:
        root = s.get(Notice, first)
        assert root is not None and root.detail["renotice_skipped"] == ["escalation:cdn"]


def test_a_removed_reply_stops_the_sequence(rt: Runtime, site: Site) -> None:
    first = _first_request(rt, site)
    with rt.db.session() as s:
        s.execute(update(Notice).where(Notice.id == first).values(detail={"removed_reply": 1}))
    assert _a_day_later(rt) == []
    with rt.db.session() as s:
        n = s.get(Notice, first)
        assert n is not None and n.renotice_step == "stopped"
    assert _a_day_later(rt) == []


@pytest.mark.parametrize("rt", [""], indirect=True)
def test_a_referral_with_no_regulator_address_waits_for_one(
    rt: Runtime, site: Site, smtp_server: SmtpServer
) -> None:
    _first_request(rt, site)
    kinds: list[str] = []
    draft: Notice | None = None
    for _ in range(6):
        [draft] = _a_day_later(rt)
        kinds.append(draft.kind)
        if draft.kind == "referral":
            break
        _approve(rt, draft.id)
    assert draft is not None and kinds[-1] == "referral", kinds
    # Nobody found for the site is taken instead, and nothing is drafted to no one.
    assert draft.to == [] and not draft.body
    assert draft.error and "TAKEDOWN_REGULATOR_EMAIL" in draft.error
    with pytest.raises(workflow.WorkflowError, match="no recipient"):
        workflow.approve(rt, draft.id, OFFICER)
    # The officer names the regulator; the referral is drawn up under Korean law and passes.
    workflow.edit_draft(rt, draft.id, OFFICER, to=["referrals@regulator.test"])
    workflow.rerender(rt, draft.id, OFFICER, "ko")
    with rt.db.session() as s:
        referral = s.get(Notice, draft.id)
        assert referral is not None and referral.jurisdiction == "kr"
        assert "referrals@regulator.test" in referral.body and site.url("/post/1") in referral.body
        assert workflow.approval_problems(rt.settings, s, referral) == []
    _approve(rt, draft.id)
    assert smtp_server.mailbox.messages[-1][0].rcpt_tos == ["referrals@regulator.test"]
