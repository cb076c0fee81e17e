"""Add the HWPX and PDF reports to an evidence item as artifacts and certify the new manifest."""

from __future__ import annotations

from takedown.evidence.record import Committed, EvidenceRecord, TimestampAuthority
from takedown.evidence.reports import hwpx, pdf
from takedown.evidence.reports.content import ReportInput, build_content

HWPX_NAME = "report.hwpx"
PDF_NAME = "report.pdf"


def add_reports(
    record: EvidenceRecord,
    report: ReportInput,
    *,
    actor: str,
    tsa: TimestampAuthority | None = None,
) -> Committed:
    """Render both reports from the record's current manifest, store them, commit custody.

    Reads the text, URL list and thumbnail artifacts (none of them encrypted), so it needs no key.
    """
    content = build_content(record.manifest, report, read=record.read)
    record.add(HWPX_NAME, "report_hwpx", hwpx.MEDIA_TYPE, hwpx.render_hwpx(content))
    record.add(PDF_NAME, "report_pdf", pdf.MEDIA_TYPE, pdf.render_pdf(content))
    return record.commit(
        action="reports_added",
        actor=actor,
        note=f"reports cite custody entry {report.custody_entry_id}",
        tsa=tsa,
    )
