"""The officer's side of a deletion request: edit, switch language, approve (which sends), reject.

Nothing is sent without `approve`; every step is audited with the officer's identity.
"""

from __future__ import annotations

import time

from takedown.accounts.roles import Principal, allows
from takedown.audit import Event, record
from takedown.notices.catalog import SUPPORTED_LANGUAGES
from takedown.notices.compose import LeakError, check_no_leak
from takedown.notices.contacts.model import is_email
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


def approve(rt: Runtime, notice_id: int, who: Principal) -> Notice:
    """Approve and send at once; on a mail-server failure the notice is `failed` and retried."""
    _officer(who)
    with rt.db.session() as s:
        n = s.get(Notice, notice_id)
        if n is None:
            raise LookupError(f"notice {notice_id} not found")
        if not n.to:
            raise WorkflowError("the notice has no recipient")
        case = s.get(Case, n.case_id) if n.case_id is not None else None
        try:
            # The composer never sees the case's label; an officer's edit might add it.
            check_no_leak(draft_of(n, None), [case.name] if case else [])
        except LeakError as exc:
            raise WorkflowError(f"{exc}: remove it before approving") from exc
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
