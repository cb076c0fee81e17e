"""A detection whose evidence arrives while its site's draft is being composed is never left out:
the running draft is flagged and goes again when it is done."""

from __future__ import annotations

from takedown.pipeline.runtime import Runtime
from takedown.pipeline.stages.draft import draft_again, request_draft
from takedown.store.tables import Case, Notice


def _notice(rt: Runtime, state: str) -> tuple[int, int]:
    with rt.db.session() as s:
        case = Case(name="c", keywords=[])
        s.add(case)
        s.flush()
        n = Notice(case_id=case.id, site="board.test", status="draft", draft_state=state)
        s.add(n)
        s.flush()
        return case.id, n.id


def _state(rt: Runtime, nid: int) -> tuple[str, bool]:
    with rt.db.session() as s:
        n = s.get(Notice, nid)
        assert n is not None
        return n.draft_state, n.draft_again


def test_a_request_during_drafting_makes_the_draft_go_again(runtime: Runtime) -> None:
    case_id, nid = _notice(runtime, "drafting")
    with runtime.db.session() as s:
        assert request_draft(s, case_id, "board.test") is None  # no second task now
    assert _state(runtime, nid) == ("drafting", True)
    with runtime.db.session() as s:  # the running draft ends as it always did
        n = s.get(Notice, nid)
        assert n is not None
        n.draft_state = "idle"
    with runtime.db.session() as s:
        assert draft_again(s, nid) is True
    assert _state(runtime, nid) == ("pending", False)
    with runtime.db.session() as s:  # pending: the task on its way will see everything
        assert request_draft(s, case_id, "board.test") is None
        assert draft_again(s, nid) is False


def test_an_idle_draft_is_pended_and_returned_for_a_task(runtime: Runtime) -> None:
    case_id, nid = _notice(runtime, "idle")
    with runtime.db.session() as s:
        got = request_draft(s, case_id, "board.test")
        assert got is not None and got.id == nid
    assert _state(runtime, nid) == ("pending", False)
    with runtime.db.session() as s:
        assert draft_again(s, nid) is False  # nobody asked during a draft
