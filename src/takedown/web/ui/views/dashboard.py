"""The dashboard: totals and four server-rendered SVG charts."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from takedown.review.charts import bar_chart
from takedown.review.dashboard import compute_dashboard
from takedown.stats import removal_by_provider
from takedown.web.ui.common import language, render, ui, viewer
from takedown.web.ui.i18n import translator
from takedown.web.ui.session import UiUser

router = APIRouter()


@router.get("/dashboard", include_in_schema=False)
def dashboard(request: Request, user: UiUser = Depends(viewer)) -> Response:
    _ = translator(language(request))
    with ui(request).rt.db.session() as s:
        board = compute_dashboard(s)
        providers = removal_by_provider(s)
    empty = _("no data yet")
    charts = [
        bar_chart(
            board.detections_per_day,
            title=_("Detections per day (30 days)"),
            label_every=5,
            empty=empty,
        ),
        bar_chart(board.time_to_draft, title=_("Time to draft (notices)"), empty=empty),
        bar_chart(
            board.time_to_removal,
            title=_("Median time to removal per site (hours)"),
            unit="h",
            empty=empty,
        ),
        bar_chart(board.open_by_age, title=_("Open requests by age"), empty=empty),
    ]
    return render(request, "dashboard.html", board=board, charts=charts, providers=providers)
