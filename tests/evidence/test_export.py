"""export_evidence: a folder or zip that standard tools verify."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from takedown.evidence.export import export_evidence
from takedown.evidence.record import Committed
from takedown.evidence.store import FileStore, StoreError
from takedown.evidence.vault import Vault
from tests.evidence.site import sample_png


def test_folder_verifies_with_sha256sum_warcio_and_the_custody_script(
    item: Committed, store: FileStore, vault_key: bytes, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    result = export_evidence(store, "ev-item", out, vault=Vault(vault_key))
    assert "README.txt" in result.files and "SHA256SUMS" in result.files
    sums = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True, check=False
    )
    assert sums.returncode == 0, sums.stdout + sums.stderr
    assert sums.stdout.count(": OK") == len(item.manifest.artifacts) + 3  # manifests, manifest.json
    warcio = Path(sys.executable).with_name("warcio")
    check = subprocess.run(
        [str(warcio), "check", "-v", "artifacts/capture.warc.gz"],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    chain = subprocess.run(
        [sys.executable, "verify_custody.py"], cwd=out, capture_output=True, text=True, check=False
    )
    assert chain.returncode == 0 and "custody chain OK (2 entries)" in chain.stdout
    # The media leave the vault in clear, byte for byte as captured.
    (media,) = item.manifest.of_kind("media")
    assert (out / "artifacts" / media.name).read_bytes() == sample_png()


def test_changed_file_in_the_export_is_caught_by_standard_tools(
    item: Committed, store: FileStore, vault_key: bytes, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    export_evidence(store, "ev-item", out, vault=Vault(vault_key))
    text = out / "artifacts" / "page.txt"
    text.write_bytes(text.read_bytes() + b" ")
    sums = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=out, check=False)
    assert sums.returncode != 0
    custody = out / "custody.jsonl"
    custody.write_text(custody.read_text().replace("officer-test", "officer-tesu"))
    chain = subprocess.run(
        [sys.executable, "verify_custody.py"], cwd=out, capture_output=True, text=True, check=False
    )
    assert chain.returncode != 0 and "line 2" in chain.stderr


def test_zip_export(item: Committed, store: FileStore, vault_key: bytes, tmp_path: Path) -> None:
    out = tmp_path / "ev-item.zip"
    export_evidence(store, "ev-item", out, vault=Vault(vault_key), as_zip=True)
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert "ev-item/README.txt" in names and "ev-item/artifacts/report.hwpx" in names
        assert archive.testzip() is None


def test_export_refuses_without_key_or_onto_existing_path(
    item: Committed, store: FileStore, vault_key: bytes, tmp_path: Path
) -> None:
    with pytest.raises(StoreError, match="needs the vault key"):
        export_evidence(store, "ev-item", tmp_path / "a", vault=None)
    (tmp_path / "b").mkdir()
    with pytest.raises(FileExistsError):
        export_evidence(store, "ev-item", tmp_path / "b", vault=Vault(vault_key))
