"""Export an evidence item for an investigator: a folder (or zip) of the evidentiary files in
clear, the certified manifests, the custody log, SHA256SUMS and a README on checking them with
standard tools. Decrypts: the caller audits every export."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from takedown.evidence.custody import CUSTODY_LOG, CustodyLog
from takedown.evidence.manifest import Manifest, sha256_hex
from takedown.evidence.store import EvidenceStore, StoreError
from takedown.evidence.vault import Vault

README = """\
Evidence {key}: export from takedown
=====================================
(증거 {key}: 아래 방법으로 파일의 무결성을 확인할 수 있습니다.)

Page:          {page_url}
Captured (UTC):   {utc}
Captured (local): {local} ({tz})
Software:      {software}
Custody entry: {entry_id} (manifest SHA-256 {manifest_sha})

What is here
- artifacts/         the evidentiary files exactly as captured (decrypted), listed in manifest.json
- manifest.json      the manifest certified by the last custody entry (name, kind, size, SHA-256)
- manifests/         every certified state of the manifest, one file per custody entry
- custody.jsonl      the chain-of-custody log, one JSON object per line
- SHA256SUMS         SHA-256 of every file above except custody.jsonl and this README
- verify_custody.py  a standard-library script that checks the custody chain

How to verify with standard tools
1. Files against their hashes (GNU coreutils):
       sha256sum -c SHA256SUMS
   Every line must end in "OK". On macOS: shasum -a 256 -c SHA256SUMS
2. The web archive (pip install warcio):
       warcio check artifacts/capture.warc.gz
       warcio index artifacts/capture.warc.gz
   "check" recomputes every record's payload and block digest; "index" lists the records
   (request and response for each URL the page loaded). Any WARC replay tool can open it.
3. The custody chain: each line of custody.jsonl has "sha256", the SHA-256 of the line's
   JSON without that field (keys sorted, separators "," and ":", UTF-8), "prev_sha256", the
   "sha256" of the line before (64 zeros for the first), and "manifest_sha256", the SHA-256 of
   the file it names under manifests/ (also listed in SHA256SUMS). To check it, run the
   standard-library script beside this file:
       python3 verify_custody.py
"""


VERIFY_SCRIPT = """\
#!/usr/bin/env python3
\"\"\"Check custody.jsonl: each entry's own hash, its link to the previous one, its manifest.\"\"\"
import hashlib
import json
import sys

previous = "0" * 64
for number, line in enumerate(open("custody.jsonl", encoding="utf-8"), start=1):
    entry = json.loads(line)
    claimed = entry.pop("sha256")
    body = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if hashlib.sha256(body.encode("utf-8")).hexdigest() != claimed:
        sys.exit(f"line {number}: the entry was altered")
    if entry["prev_sha256"] != previous:
        sys.exit(f"line {number}: the chain is broken")
    with open(entry["manifest"], "rb") as manifest:
        if hashlib.sha256(manifest.read()).hexdigest() != entry["manifest_sha256"]:
            sys.exit(f"line {number}: {entry['manifest']} was altered")
    previous = claimed
print(f"custody chain OK ({number} entries)")
"""


@dataclass(frozen=True)
class ExportResult:
    path: Path
    files: tuple[str, ...]


def export_evidence(
    store: EvidenceStore,
    evidence_key: str,
    dest: Path,
    *,
    vault: Vault | None,
    as_zip: bool = False,
) -> ExportResult:
    """Write ``dest`` (a new folder, or a ``.zip`` when ``as_zip``) and return what it holds."""
    files = evidence_files(store, evidence_key, vault=vault)
    if as_zip:
        _write_zip(dest, evidence_key, files)
    else:
        _write_folder(dest, files)
    return ExportResult(dest, tuple(sorted(files)))


def evidence_files(
    store: EvidenceStore, evidence_key: str, *, vault: Vault | None
) -> dict[str, bytes]:
    """The export of one item, file name → bytes (artifacts in clear, checked against the
    manifest on the way out)."""
    entries = CustodyLog(store, evidence_key).entries()
    if not entries:
        raise StoreError(f"no evidence {evidence_key!r}")
    raw_manifest = store.read(evidence_key, entries[-1].manifest)
    manifest = Manifest.from_json(raw_manifest)
    files: dict[str, bytes] = {}
    for artifact in manifest.artifacts:
        data = store.read(evidence_key, artifact.name)
        if artifact.encrypted:
            if vault is None:
                raise StoreError(f"{artifact.name} is encrypted: exporting needs the vault key")
            data = vault.decrypt(data, evidence_key=evidence_key, name=artifact.name)
        if sha256_hex(data) != artifact.sha256:
            raise StoreError(f"{artifact.name} does not match its manifest hash: run verify")
        files[f"artifacts/{artifact.name}"] = data
    for entry in entries:
        files[entry.manifest] = store.read(evidence_key, entry.manifest)
        if entry.timestamp:
            files[entry.timestamp] = store.read(evidence_key, entry.timestamp)
    files["manifest.json"] = raw_manifest
    sums = "".join(f"{sha256_hex(data)}  {name}\n" for name, data in sorted(files.items()))
    files["SHA256SUMS"] = sums.encode()
    files[CUSTODY_LOG] = store.read(evidence_key, CUSTODY_LOG)
    files["verify_custody.py"] = VERIFY_SCRIPT.encode()
    files["README.txt"] = README.format(
        key=evidence_key,
        page_url=manifest.page_url,
        utc=manifest.captured_at_utc.isoformat(),
        local=manifest.captured_at_local.isoformat(),
        tz=manifest.timezone,
        software=manifest.software,
        entry_id=entries[-1].id,
        manifest_sha=entries[-1].manifest_sha256,
    ).encode("utf-8")
    return files


def _write_folder(dest: Path, files: dict[str, bytes]) -> None:
    dest.mkdir(parents=True, exist_ok=False)
    for name, data in files.items():
        path = dest / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _write_zip(dest: Path, key: str, files: dict[str, bytes]) -> None:
    if dest.exists():
        raise FileExistsError(dest)
    with zipfile.ZipFile(dest, "x", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(f"{key}/{name}", data)
