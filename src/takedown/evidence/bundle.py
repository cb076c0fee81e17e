"""The evidence bundle for the police: one zip with every capture of a case (or a selection) as
a WACZ web archive, each item's export (artifacts in clear, HWPX and PDF reports, manifests,
custody chain), a bundle manifest signed with the center's Ed25519 key, the public key, and a
script that checks it all.

Layout::

    bundle.json          items, and the SHA-256 of every other file of the bundle
    bundle.json.sig      Ed25519 signature of bundle.json (base64), by the key in public_key.pem
    public_key.pem       the center's public key (also published to the police separately)
    captures.wacz        every capture's WARC in one WACZ (py-wacz), for ReplayWeb.page
    items/<key>/...      each item as `takedown evidence export` writes it
    verify_bundle.py     checks hashes with the standard library, the signature with cryptography
    README.txt
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from takedown import __version__
from takedown.evidence.export import evidence_files
from takedown.evidence.manifest import sha256_hex
from takedown.evidence.signing import Signer, Verifier
from takedown.evidence.store import EvidenceStore, StoreError
from takedown.evidence.vault import Vault

MANIFEST = "bundle.json"
SIGNATURE = "bundle.json.sig"
PUBLIC_KEY = "public_key.pem"
WACZ = "captures.wacz"
WARC_NAME = "capture.warc.gz"

README = """\
Evidence bundle from takedown {version}
========================================
(증거 묶음: 아래 방법으로 무결성과 서명을 확인할 수 있습니다.)

Made (UTC): {made}
Items:      {count}
Signed by:  key {key_id} (public_key.pem; check it against the key the center published)

Check everything (Python 3; the signature needs `pip install cryptography`):
    python3 verify_bundle.py
Open the web archive in ReplayWeb.page (https://replayweb.page, offline capable): captures.wacz
Each items/<key>/ folder has its own README on checking its files and custody chain.
"""

VERIFY_SCRIPT = """\
#!/usr/bin/env python3
\"\"\"Check this evidence bundle: every file against bundle.json, and bundle.json's signature.\"\"\"
import base64
import hashlib
import json
import pathlib
import sys

here = pathlib.Path(__file__).resolve().parent
raw = (here / "bundle.json").read_bytes()
manifest = json.loads(raw)
bad = 0
for name, digest in sorted(manifest["files"].items()):
    path = here / name
    if not path.is_file():
        print(f"MISSING  {name}")
        bad += 1
    elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
        print(f"CHANGED  {name}")
        bad += 1
try:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
except ImportError:
    print("note: pip install cryptography to check the signature")
else:
    key = load_pem_public_key((here / "public_key.pem").read_bytes())
    try:
        key.verify(base64.b64decode((here / "bundle.json.sig").read_bytes()), raw)
    except Exception:
        print("SIGNATURE does not match bundle.json")
        bad += 1
    else:
        print("signature OK")
if bad:
    sys.exit(f"bundle FAILED: {bad} problem(s)")
print(f"bundle OK: {len(manifest['files'])} files")
"""


class BundleError(Exception):
    """The bundle cannot be made (an item is damaged) or does not verify."""


@dataclass(frozen=True)
class BundleItem:
    evidence_id: int
    key: str
    page_url: str
    captured_at: str | None


@dataclass(frozen=True)
class BundleReport:
    ok: bool
    files: int
    problems: tuple[str, ...]
    key_id: str | None = None


def _wacz(warcs: dict[str, bytes], title: str) -> bytes:
    """One WACZ of the given WARCs, through py-wacz (indexes and pages detected)."""
    from wacz.main import main as wacz_main  # the extra's import cost only when bundling

    with tempfile.TemporaryDirectory(prefix="bundle-") as tmp:
        inputs = []
        for key, data in sorted(warcs.items()):
            path = Path(tmp) / f"{key}.warc.gz"
            path.write_bytes(data)
            inputs.append(str(path))
        out = Path(tmp) / "out.wacz"
        code = wacz_main(["create", "-o", str(out), "--detect-pages", "--title", title, *inputs])
        if code not in (0, None) or not out.is_file():
            raise BundleError(f"py-wacz could not build the web archive (exit {code})")
        return out.read_bytes()


def build_bundle(
    store: EvidenceStore,
    items: Sequence[BundleItem],
    dest: Path,
    *,
    vault: Vault | None,
    signer: Signer,
    title: str,
    now: datetime | None = None,
) -> Path:
    """Write the signed bundle zip at ``dest`` (a new file)."""
    if not items:
        raise BundleError("nothing to bundle: no captured evidence")
    if dest.exists():
        raise FileExistsError(dest)
    files: dict[str, bytes] = {}
    warcs: dict[str, bytes] = {}
    for item in items:
        try:
            exported = evidence_files(store, item.key, vault=vault)
        except StoreError as exc:
            raise BundleError(f"evidence {item.key}: {exc}") from exc
        for name, data in exported.items():
            files[f"items/{item.key}/{name}"] = data
        warc = exported.get(f"artifacts/{WARC_NAME}")
        if warc is not None:
            warcs[item.key] = warc
    if warcs:
        files[WACZ] = _wacz(warcs, title)
    files["verify_bundle.py"] = VERIFY_SCRIPT.encode()
    made = (now or datetime.now(UTC)).isoformat()
    files["README.txt"] = README.format(
        version=__version__, made=made, count=len(items), key_id=signer.key_id
    ).encode("utf-8")
    files[PUBLIC_KEY] = signer.public_pem()
    manifest = {
        "format": "takedown-bundle/1",
        "made_at": made,
        "software": f"takedown {__version__}",
        "title": title,
        "key_id": signer.key_id,
        "items": [
            {
                "evidence_id": i.evidence_id,
                "key": i.key,
                "page_url": i.page_url,
                "captured_at": i.captured_at,
            }
            for i in items
        ],
        "files": {name: sha256_hex(data) for name, data in sorted(files.items())},
    }
    raw = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")
    files[MANIFEST] = raw
    files[SIGNATURE] = signer.sign(raw).encode("ascii")
    with zipfile.ZipFile(dest, "x", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
    return dest


def verify_bundle(path: Path, public_key: bytes | None = None) -> BundleReport:
    """Every file against the signed manifest, and the signature (by ``public_key`` when given,
    else by the key the bundle carries: then check its id against the published one)."""
    problems: list[str] = []
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return BundleReport(False, 0, (f"not a bundle: {exc}",))
    with archive:
        names = set(archive.namelist())
        for needed in (MANIFEST, SIGNATURE, PUBLIC_KEY):
            if needed not in names:
                return BundleReport(False, 0, (f"{needed} is missing",))
        raw = archive.read(MANIFEST)
        try:
            manifest = json.loads(raw)
            listed: dict[str, str] = dict(manifest["files"])
        except (ValueError, KeyError, TypeError) as exc:
            return BundleReport(False, 0, (f"{MANIFEST} is unreadable: {exc}",))
        verifier = Verifier.from_pem(public_key or archive.read(PUBLIC_KEY))
        signature = archive.read(SIGNATURE).decode("ascii", "replace").strip()
        if not verifier.valid(raw, signature):
            problems.append("the signature does not match bundle.json")
        for name, digest in sorted(listed.items()):
            if name not in names:
                problems.append(f"{name}: missing")
            elif sha256_hex(archive.read(name)) != digest:
                problems.append(f"{name}: changed")
        extra = names - set(listed) - {MANIFEST, SIGNATURE}
        problems += [f"{name}: not listed in bundle.json" for name in sorted(extra)]
    return BundleReport(not problems, len(listed), tuple(problems), verifier.key_id)


def wacz_pages(path: Path) -> list[str]:
    """The page URLs the bundle's WACZ lists (pages/pages.jsonl), for checks and the README."""
    with zipfile.ZipFile(path) as archive, zipfile.ZipFile(io.BytesIO(archive.read(WACZ))) as w:
        lines = w.read("pages/pages.jsonl").decode("utf-8").splitlines()
    return [json.loads(line)["url"] for line in lines[1:] if line.strip()]
