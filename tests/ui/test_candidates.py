"""The candidates page: proactive findings wait for an officer; confirming opens a case and asks
for a draft, dismissing keeps the decision; a viewer can look but not decide."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Case, Detection, Evidence, Notice
from takedown.web.ui.sample import Seeded
from tests.ui.conftest import audit_actions, csrf_of


def _proactive(rt: Runtime, seeded: Seeded) -> list[int]:
    with rt.db.session() as s:
        base = s.get(Detection, seeded.detection_ids[0])
        ev = s.get(Evidence, seeded.evidence_id)
        assert base is not None and ev is not None
        ids = []
        for n in range(2):
            det = Detection(
                case_id=None,
                page_id=base.page_id,
                media_id=base.media_id,
                page_url=base.page_url,
                media_url=base.media_url,
                site=base.site,
                kind="image",
                algorithm="triage",
                distance=0.0,
                proactive=True,
                review="candidate",
                priority=80.0 + n,
                evidence_id=ev.id,
                detail={"met": ["keyword", "nudity", "apparent_minor"]},
            )
            s.add(det)
            s.flush()
            ids.append(det.id)
    return ids


def test_candidates_confirm_and_dismiss(
    client_as: Callable[[str | None], TestClient], seeded: Seeded, ui_runtime: Runtime
) -> None:
    keep, drop = _proactive(ui_runtime, seeded)
    viewer = client_as("viewer")
    page = viewer.get("/candidates")
    assert page.status_code == 200
    assert f'id="candidate-{keep}"' in page.text and f'id="candidate-{drop}"' in page.text
    assert f"/candidates/{keep}/confirm" not in page.text  # no buttons for a viewer
    refused = viewer.post(
        f"/candidates/{keep}/confirm", data={"csrf": csrf_of(page.text)}, follow_redirects=False
    )
    assert refused.status_code == 403

    officer = client_as("officer")
    page = officer.get("/candidates")
    token = csrf_of(page.text)
    assert (
        officer.post(
            f"/candidates/{drop}/dismiss",
            data={"csrf": token, "reason": "benign"},
            follow_redirects=False,
        ).status_code
        == 303
    )
    assert (
        officer.post(
            f"/candidates/{keep}/confirm", data={"csrf": token}, follow_redirects=False
        ).status_code
        == 303
    )
    assert (
        officer.post(
            f"/candidates/{keep}/confirm", data={"csrf": "wrong"}, follow_redirects=False
        ).status_code
        == 403
    )
    with ui_runtime.db.session() as s:
        kept, dropped = s.get(Detection, keep), s.get(Detection, drop)
        assert kept is not None and dropped is not None
        assert dropped.review == "dismissed" and dropped.detail["reason"] == "benign"
        assert kept.review == "confirmed" and kept.case_id is not None
        case = s.get(Case, kept.case_id)
        assert case is not None and case.name.startswith("PROACTIVE-")
        drafts = list(s.execute(select(Notice).where(Notice.case_id == case.id)).scalars())
        assert [(n.status, n.draft_state) for n in drafts] == [("draft", "pending")]
    assert audit_actions(ui_runtime, "detection.confirm") and audit_actions(
        ui_runtime, "detection.dismiss"
    )
    page = officer.get("/candidates")
    assert f'id="candidate-{keep}"' not in page.text and f'id="candidate-{drop}"' not in page.text
