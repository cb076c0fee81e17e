"""The Korean evidence report as HWPX (OWPML, as Hancom Office opens it), with python-hwpx."""

from __future__ import annotations

from typing import Any

from hwpx import HwpxDocument

from takedown.evidence.reports.content import LABELS, ReportContent

MEDIA_TYPE = "application/hwp+zip"


def _ko(key: str) -> str:
    return LABELS[key][0]


def _table(doc: Any, rows: list[list[str]]) -> None:
    table = doc.add_table(len(rows), len(rows[0]))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.set_cell_text(r, c, value)


def render_hwpx(content: ReportContent) -> bytes:
    """Build the report and return the .hwpx bytes; they re-open and validate with python-hwpx."""
    doc = HwpxDocument.new()
    doc.add_heading(_ko("title"), level=1)
    if content.center_name:
        doc.add_paragraph(content.center_name)
    _table(
        doc,
        [
            [_ko("case"), content.case_reference],
            [_ko("evidence"), content.evidence_key],
            [_ko("site"), content.site],
            [_ko("page_url"), content.page_url],
            [_ko("final_url"), content.final_url],
            [_ko("captured_utc"), content.captured_utc],
            [_ko("captured_local"), content.captured_local],
            [_ko("software"), content.software],
            [_ko("custody"), content.custody_entry_id],
        ],
    )
    if content.matches:
        doc.add_heading(_ko("matches"), level=2)
        rows = [[_ko("reference"), _ko("algorithm"), _ko("distance"), _ko("media_url")]]
        rows += [
            [m.reference, m.algorithm, f"{m.distance:g}", m.media_url or ""]
            for m in content.matches
        ]
        _table(doc, rows)
        lines = [f"{m.reference}: {seg.line()}" for m in content.matches for seg in m.segments]
        if lines:
            doc.add_heading(_ko("segments"), level=3)
            for line in lines:
                doc.add_paragraph(line)
    doc.add_heading(_ko("urls"), level=2)
    for url in content.urls:
        doc.add_paragraph(url)
    doc.add_heading(_ko("hashes"), level=2)
    rows = [[_ko("name"), _ko("kind"), _ko("size"), "SHA-256"]]
    rows += [[a.name, a.kind, str(a.size), a.sha256] for a in content.artifacts]
    _table(doc, rows)
    if content.thumbnail_png:
        doc.add_heading(_ko("thumbnail"), level=2)
        doc.add_picture(content.thumbnail_png, "png", width_mm=35)
    doc.add_heading(_ko("excerpt"), level=2)
    for line in content.excerpt.splitlines() or [""]:
        doc.add_paragraph(line)
    if content.notes:
        doc.add_heading(_ko("notes"), level=2)
        for note in content.notes:
            doc.add_paragraph(note)
    return bytes(doc.to_bytes())
