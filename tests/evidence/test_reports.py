"""HWPX and PDF reports: re-open, validate, render, and hold what an investigator needs."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from hwpx import HwpxDocument
from PIL import Image

from takedown.evidence.record import Committed, EvidenceRecord
from takedown.evidence.reports.content import ReportError, ReportInput
from takedown.evidence.store import FileStore
from takedown.evidence.vault import Vault
from tests.evidence.items import MEDIA_URL, PAGE_URL, SEGMENTS


def _read(store: FileStore, vault_key: bytes, name: str) -> bytes:
    return EvidenceRecord.open(store, "ev-item", vault=Vault(vault_key)).read(name)


def test_reports_are_artifacts_certified_by_a_second_custody_entry(item: Committed) -> None:
    kinds = {a.name: a.kind for a in item.manifest.artifacts}
    assert kinds["report.hwpx"] == "report_hwpx" and kinds["report.pdf"] == "report_pdf"
    assert item.entry.id == "ev-item#2" and item.entry.action == "reports_added"


def test_hwpx_reopens_validates_and_holds_the_facts(
    item: Committed, store: FileStore, vault_key: bytes
) -> None:
    data = _read(store, vault_key, "report.hwpx")
    document = HwpxDocument.open(data)
    assert document.validate().ok
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        section = archive.read("Contents/section0.xml").decode("utf-8")
        pictures = [n for n in archive.namelist() if n.startswith("BinData/")]
    for needle in (PAGE_URL, MEDIA_URL, "CASE-2026-0012", "ev-item#1", "사건 번호", "ref-7"):
        assert needle in section
    assert "플로바 크란텔 게시물입니다" in section  # the text excerpt
    for segment in SEGMENTS:  # one line per matching segment of the video detection
        assert f"ref-9: {segment.line()}" in section
    for artifact in item.manifest.artifacts:
        if not artifact.kind.startswith("report"):
            assert artifact.sha256 in section
    assert len(pictures) == 1  # the blurred thumbnail


def test_pdf_renders_with_pdftoppm_and_embeds_cjk_fonts(
    item: Committed, store: FileStore, vault_key: bytes, tmp_path: Path
) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(_read(store, vault_key, "report.pdf"))
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", pdf, tmp_path / "p"], check=True
    )
    (page,) = tmp_path.glob("p-*.png")
    image = Image.open(page)
    assert image.width > 300 and image.height > 400
    fonts = subprocess.run(["pdffonts", pdf], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True, check=True)
    assert PAGE_URL in text.stdout and "CASE-2026-0012" in text.stdout
    assert "디지털 성범죄 증거 보고서" in text.stdout
    flat = " ".join(text.stdout.split())
    assert "found video 0:12.0-0:20.0 matches reference 0:04.0-0:12.0 (video frames, vPDQ)" in flat
    assert "(sound, Chromaprint)" in flat
    assert item.manifest.artifact("capture.warc.gz").sha256 in text.stdout.replace("\n", "")


@pytest.mark.parametrize("reference", ["김민지", "Jane Doe", "", "x" * 80])
def test_case_reference_must_be_an_identifier_not_a_name(reference: str) -> None:
    with pytest.raises(ReportError):
        ReportInput(case_reference=reference, custody_entry_id="ev#1")
