"""Dashboard figures and their SVG charts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from takedown.pipeline.runtime import Runtime
from takedown.review.charts import Bar, bar_chart
from takedown.review.dashboard import compute_dashboard
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
    assert len(board.detections_per_day) == 30
    assert sum(b.value for b in board.detections_per_day) == board.totals["detections"] == 15
    # 3 drafts at the top plus the two newest historical ones.
    assert board.totals["drafts"] == 3
    assert board.totals["removed"] == 3
    assert sum(b.value for b in board.time_to_draft) == 13
    assert board.time_to_removal and all(b.value > 0 for b in board.time_to_removal)
    assert sum(b.value for b in board.open_by_age) == board.totals["open"] == 7
    assert board.median_seconds_to_draft is not None and board.median_seconds_to_draft > 0
    # A window that starts after everything was seen counts nothing.
    with ui_runtime.db.session() as s:
        later = compute_dashboard(s, now=now + timedelta(days=90))
    assert sum(b.value for b in later.detections_per_day) == 0
