"""The officer's side of a deletion request: edit, switch language, approve (which sends), reject.

Nothing is sent without `approve`; every step is audited with the officer's identity.
"""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.accounts.roles import Principal, allows
from takedown.audit import Event, record
from takedown.config import Settings
from takedown.notices.catalog import SUPPORTED_LANGUAGES
from takedown.notices.compose import LeakError, LegalCategory, check_no_leak, missing_elements
from takedown.notices.contacts.model import is_email
from takedown.notices.identity import sender_identity_problems
from takedown.notices.law import JURISDICTIONS, citations
from takedown.notices.reference import is_reference
from takedown.notices.states import InvalidTransition, is_editable, transition
from takedown.pipeline.runtime import Runtime
from takedown.pipeline.stages import draft as drafting
from takedown.pipeline.stages.send import draft_of
from takedown.store.base import utcnow
from takedown.store.tables import Case, Notice


class WorkflowError(ValueError):
    """The action does not fit the notice's state, or a value is wrong; the message says which."""


def _officer(who: Principal) -> None:
    if not allows(who.role, "officer"):
        raise PermissionError("this needs the officer role")


def _load(rt: Runtime, notice_id: int) -> Notice:
    with rt.db.session() as s:
        n = s.get(Notice, notice_id)
        if n is None:
            raise LookupError(f"notice {notice_id} not found")
        return n


def edit_draft(
    rt: Runtime,
    notice_id: int,
    who: Principal,
    *,
    to: list[str] | None = None,
    language: str | None = None,
    subject: str | None = None,
    body: str | None = None,
) -> Notice:
    _officer(who)
    with rt.db.session() as s:
        n = s.get(Notice, notice_id)
        if n is None:
            raise LookupError(f"notice {notice_id} not found")
        if not is_editable(n.status):
            raise WorkflowError(f"only a draft can be edited; this notice is {n.status}")
        changed: list[str] = []
        if to is not None:
            bad = [a for a in to if not is_email(a)]
            if bad or not to:
                raise WorkflowError(f"not e-mail addresses: {', '.join(bad) or '(none given)'}")
            n.to = list(dict.fromkeys(to))
            changed.append("to")
        if language is not None:
            if language not in SUPPORTED_LANGUAGES:
                raise WorkflowError(f"unsupported language {language!r}")
            n.language = language
            changed.append("language")
        if subject is not None:
            if not subject.strip():
                raise WorkflowError("the subject may not be empty")
            if "\r" in subject or "\n" in subject:
                raise WorkflowError("the subject must be one line (no CR or LF)")
            n.subject = subject
            changed.append("subject")
        if body is not None:
            if not body.strip():
                raise WorkflowError("the body may not be empty")
            n.body = body
            changed.append("body")
        if changed:
            n.edited_by_officer = True
        record(s, Event("notice.edit", who.actor, "notice", n.id, {"fields": changed}))
        return n


def rerender(rt: Runtime, notice_id: int, who: Principal, language: str) -> Notice:
    _officer(who)
    if language not in SUPPORTED_LANGUAGES:
        raise WorkflowError(f"unsupported language {language!r}")
    if _load(rt, notice_id).status != "draft":
        raise WorkflowError("only a draft can be re-rendered")
    try:
        # Looked up before the session opens: SQLite has one writer, and the lookup writes.
        contacts = drafting.contacts_for(rt, notice_id)
    except ValueError as exc:
        raise WorkflowError(str(exc)) from exc
    with rt.db.session() as s:
        n = s.get(Notice, notice_id)
        if n is None:
            raise LookupError(f"notice {notice_id} not found")
        if not is_editable(n.status):
            raise WorkflowError(f"only a draft can be re-rendered; this notice is {n.status}")
        try:
            drafting.rerender(rt, s, n, language, contacts)
            n.edited_by_officer = False
            n.error = None
        except ValueError as exc:
            raise WorkflowError(str(exc)) from exc
        record(s, Event("notice.rerender", who.actor, "notice", n.id, {"language": language}))
        return n


def forbidden_terms(s: Session, n: Notice) -> list[str]:
    """What a request must never contain: the case's label and its sequential case numbers."""
    case = s.get(Case, n.case_id) if n.case_id is not None else None
    terms = [case.name] if case is not None and case.name else []
    if n.case_id is not None:
        terms += [f"CASE-{n.case_id:06d}", f"case {n.case_id}"]
    return terms


def approval_problems(settings: Settings, s: Session, n: Notice) -> list[str]:
    """Every reason the request cannot go out; the single and the bulk approval both call this.

    The sender identity is set; there is a recipient and the body names it; the request carries
    its own reference and no case label or number; each element its law requires is present
    (``law.py``'s data file); no gap is left for the officer; a possible minor was decided.
    """
    out = list(sender_identity_problems(settings))
    if not n.to:
        out.append("the notice has no recipient")
    elif n.to[0] not in n.body:
        out.append(f"the body does not name the recipient {n.to[0]}: re-render the draft")
    # A reminder repeats the first request's reference (same recipient, same thread).
    printed = drafting.printed_reference(s, n)
    if not printed or not is_reference(printed) or printed not in n.body:
        out.append("the body does not carry this request's own reference: re-render the draft")
    try:
        check_no_leak(draft_of(n, None), forbidden_terms(s, n))
    except LeakError as exc:
        out.append(f"{exc}: remove it before approving")
    j = JURISDICTIONS.get(n.jurisdiction)
    if j is None:
        out.append(f"unknown jurisdiction {n.jurisdiction!r}: re-render the draft")
    else:
        out += missing_elements(j, (n.detail or {}).get("elements") or {}, n.body)
    if (n.detail or {}).get("minor") == "possible":
        out.append(
            "triage flagged a possible minor (Challenge 25: a face estimated under 25): "
            "confirm or dismiss it before approving"
        )
    return out


def element_checklist(n: Notice) -> list[dict[str, object]]:
    """The required elements of the notice's law, each with its citation and whether it is in
    the body now: what the editor shows the officer."""
    j = JURISDICTIONS.get(n.jurisdiction)
    if j is None:
        return []
    stored = (n.detail or {}).get("elements") or {}
    cites = citations()
    rows: list[dict[str, object]] = []
    for spec in j.required:
        needles = list(stored.get(spec.name, ()))
        cite = cites.get(spec.citation)
        rows.append(
            {
                "name": spec.name,
                "requirement": spec.requirement,
                "citation": f"{cite.title}, {cite.provision}" if cite else spec.citation,
                "as_of": spec.as_of,
                "present": bool(needles) and all(x in n.body for x in needles),
            }
        )
    return rows


def decide_minor(rt: Runtime, notice_id: int, who: Principal, *, confirmed: bool) -> Notice:
    """The officer's decision on a possible minor. Confirming re-renders the request with the
    child-sexual-exploitation category and its law, an immediate deadline, and offers the
    hotline report as a second action (``detail["hotline"]``)."""
    _officer(who)
    with rt.db.session() as s:
        n = s.get(Notice, notice_id)
        if n is None:
            raise LookupError(f"notice {notice_id} not found")
        if not is_editable(n.status):
            raise WorkflowError(f"only a draft can change; this notice is {n.status}")
        detail = dict(n.detail or {})
        detail["minor"] = "confirmed" if confirmed else "dismissed"
        detail["minor_decided_by"] = who.actor
        n.detail = detail
        record(s, Event("notice.minor", who.actor, "notice", n.id, {"confirmed": confirmed}))
        language = n.language
    if confirmed:
        return rerender(rt, notice_id, who, language)
    return _load(rt, notice_id)


def set_category(rt: Runtime, notice_id: int, who: Principal, category: str) -> Notice:
    """The officer's choice of legal category (not the minor's: that is :func:`decide_minor`)."""
    _officer(who)
    try:
        chosen = LegalCategory(category)
    except ValueError:
        raise WorkflowError(f"unknown category {category!r}") from None
    if chosen is LegalCategory.CSEM:
        raise WorkflowError("an apparent minor is confirmed with the minor decision, not here")
    with rt.db.session() as s:
        n = s.get(Notice, notice_id)
        if n is None:
            raise LookupError(f"notice {notice_id} not found")
        n.detail = {**(n.detail or {}), "category": chosen.value}
        record(s, Event("notice.category", who.actor, "notice", n.id, {"category": category}))
        language = n.language
    return rerender(rt, notice_id, who, language)


def notice_by_reference(s: Session, reference: str) -> Notice | None:
    """Resolve a request's reference (e.g. quoted in a reply) to the notice, inside takedown."""
    return s.execute(
        select(Notice).where(Notice.reference == reference.strip().upper())
    ).scalar_one_or_none()


def approve(rt: Runtime, notice_id: int, who: Principal) -> Notice:
    """Approve and send at once; on a mail-server failure the notice is `failed` and retried."""
    _officer(who)
    with rt.db.session() as s:
        n = s.get(Notice, notice_id)
        if n is None:
            raise LookupError(f"notice {notice_id} not found")
        problems = approval_problems(rt.settings, s, n)
        if problems:
            raise WorkflowError("cannot approve: " + "; ".join(problems))
        try:
            n.status = transition(n.status, "approved").value
        except InvalidTransition as exc:
            raise WorkflowError(str(exc)) from exc
        n.approved_at, n.approved_by = utcnow(), who.actor
        n.send_state, n.send_changed_at, n.send_attempts = "queued", utcnow(), 0
        record(
            s,
            Event(
                "notice.approve",
                who.actor,
                "notice",
                n.id,
                {"to": n.to, "message_id": n.message_id},
            ),
        )
    # Sending runs in the notice lane, never inside this request; where this process runs the
    # workers (`takedown serve`), wait a moment so the officer sees the outcome.
    rt.submit("send", notice_id, 1000.0)
    if rt.workers_running:
        deadline = time.monotonic() + rt.settings.approve_wait_seconds
        while time.monotonic() < deadline:
            if _load(rt, notice_id).send_state not in ("queued", "sending"):
                break
            time.sleep(0.1)
    return _load(rt, notice_id)


def reject(rt: Runtime, notice_id: int, who: Principal, reason: str = "") -> Notice:
    _officer(who)
    with rt.db.session() as s:
        n = s.get(Notice, notice_id)
        if n is None:
            raise LookupError(f"notice {notice_id} not found")
        try:
            n.status = transition(n.status, "rejected").value
        except InvalidTransition as exc:
            raise WorkflowError(str(exc)) from exc
        n.send_state, n.send_changed_at = "none", utcnow()
        record(s, Event("notice.reject", who.actor, "notice", n.id, {"reason": reason[:500]}))
        return n
