"""The dashboard: totals, the reveal share, four server-rendered SVG charts each beside a table of
its figures, a date range, and the same figures as CSV or XLSX."""

from __future__ import annotations

import csv
import io
from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from takedown.review.charts import Bar, bar_chart
from takedown.review.dashboard import REVEAL_GOAL, Dashboard, compute_dashboard
from takedown.stats import removal_by_provider
from takedown.web.ui.common import language, render, secure, ui, viewer
from takedown.web.ui.i18n import Gettext, translator
from takedown.web.ui.session import UiUser

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _board(request: Request) -> Dashboard:
    p = request.query_params
    with ui(request).rt.db.session() as s:
        return compute_dashboard(s, start=_day(p.get("from")), end=_day(p.get("to")))


def _charts(board: Dashboard, _: Gettext) -> list[tuple[str, str, str, list[Bar]]]:
    """(title, value column heading, unit, bars) of each chart."""
    return [
        (_("Detections per day"), _("Detections"), "", board.detections_per_day),
        (_("Time to draft (notices)"), _("Notices"), "", board.time_to_draft),
        (
            _("Median time to removal per site (hours)"),
            _("Median (hours)"),
            "h",
            board.time_to_removal,
        ),
        (_("Open requests by age"), _("Open requests"), "", board.open_by_age),
    ]


@router.get("/dashboard", include_in_schema=False)
def dashboard(request: Request, user: UiUser = Depends(viewer)) -> Response:
    _ = translator(language(request))
    board = _board(request)
    with ui(request).rt.db.session() as s:
        providers = removal_by_provider(s)
    empty = _("no data yet")
    charts = [
        {
            "svg": bar_chart(
                bars,
                title=title,
                unit=unit,
                label_every=max(1, len(bars) // 6) if len(bars) > 12 else 1,
                empty=empty,
            ),
            "title": title,
            "heading": heading,
            "unit": unit,
            "bars": bars,
        }
        for title, heading, unit, bars in _charts(board, _)
    ]
    query = request.url.query
    return render(
        request,
        "dashboard.html",
        board=board,
        charts=charts,
        reveal_goal=REVEAL_GOAL,
        providers=providers,
        export_query=f"?{query}" if query else "",
    )


@router.get("/dashboard/export.csv", include_in_schema=False)
def export_csv(request: Request, user: UiUser = Depends(viewer)) -> Response:
    board = _board(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "label", "value"])
    writer.writerows(board.rows())
    name = f"takedown-dashboard-{board.start}-{board.end}.csv"
    return secure(
        Response(
            out.getvalue().encode("utf-8-sig"),  # the BOM lets spreadsheet programs read UTF-8
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    )


@router.get("/dashboard/export.xlsx", include_in_schema=False)
def export_xlsx(request: Request, user: UiUser = Depends(viewer)) -> Response:
    from openpyxl import Workbook  # imported here: only this download needs it

    board = _board(request)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "dashboard"
    sheet.append(["section", "label", "value"])
    for row in board.rows():
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    name = f"takedown-dashboard-{board.start}-{board.end}.xlsx"
    return secure(
        Response(
            buffer.getvalue(),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    )
