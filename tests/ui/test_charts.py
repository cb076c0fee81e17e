"""Dashboard figures and their SVG charts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from takedown.pipeline.runtime import Runtime
from takedown.review.charts import Bar, bar_chart
from takedown.review.dashboard import OPEN_STATUSES, compute_dashboard
from takedown.store.tables import Detection, Notice, notice_detections
from takedown.web.ui.sample import seed_sample


def test_chart_escapes_text_and_scales_bars() -> None:
    svg = bar_chart([Bar("<script>", 10), Bar("b&c", 5, "n=2")], title='t"x', unit="h")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "b&amp;c" in svg
    assert 'aria-label="t&quot;x"' in svg
    heights = [float(h) for h in __import__("re").findall(r'height="([\d.]+)" class="bar"', svg)]
    assert len(heights) == 2 and abs(heights[0] - 2 * heights[1]) < 0.2
    assert "no data" in bar_chart([], title="t") and "no data" in bar_chart(
        [Bar("a", 0)], title="t"
    )


def test_dashboard_figures_from_sample_data(ui_runtime: Runtime) -> None:
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    seed_sample(ui_runtime, now=now)
    with ui_runtime.db.session() as s:
        board = compute_dashboard(s, now=now)
        # Expectations from the data itself, not numbers copied from the sample.
        detections = s.execute(select(func.count()).select_from(Detection)).scalar_one()
        removed = s.execute(
            select(func.count()).select_from(Detection).where(Detection.status == "removed")
        ).scalar_one()
        statuses = list(
            s.execute(select(Notice.status).where(Notice.parent_id.is_(None))).scalars()
        )
        drafted = s.execute(
            select(func.count(func.distinct(notice_detections.c.notice_id)))
            .join(Notice, Notice.id == notice_detections.c.notice_id)
            .where(Notice.parent_id.is_(None))
        ).scalar_one()
    assert detections > 0 and removed > 0
    assert len(board.detections_per_day) == 30
    assert (
        sum(b.value for b in board.detections_per_day) == board.totals["detections"] == detections
    )
    assert board.totals["drafts"] == statuses.count("draft") > 0
    assert board.totals["removed"] == removed
    assert sum(b.value for b in board.time_to_draft) == drafted
    assert board.time_to_removal and all(b.value > 0 for b in board.time_to_removal)
    open_count = sum(statuses.count(x) for x in OPEN_STATUSES)
    assert sum(b.value for b in board.open_by_age) == board.totals["open"] == open_count
    assert board.median_seconds_to_draft is not None and board.median_seconds_to_draft > 0
    # A window that starts after everything was seen counts nothing.
    with ui_runtime.db.session() as s:
        later = compute_dashboard(s, now=now + timedelta(days=90))
    assert sum(b.value for b in later.detections_per_day) == 0
