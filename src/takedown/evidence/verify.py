"""Check an evidence item: re-hash every artifact against its manifest and walk the custody chain.

Without the vault key only the stored (encrypted) form of encrypted artifacts can be checked;
with it, their evidentiary hash is checked too (an audited decryption). With the public key the
custody signatures are checked, with the head store the log's length; :func:`cross_check`
compares the database's artifact rows with the certified manifest.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from takedown.evidence.custody import CustodyLog
from takedown.evidence.manifest import Manifest, sha256_hex
from takedown.evidence.record import MANIFESTS
from takedown.evidence.signing import HeadStore, Verifier
from takedown.evidence.store import EvidenceStore, StoreError
from takedown.evidence.vault import Vault, VaultError


@dataclass(frozen=True)
class Problem:
    subject: str  # an artifact name, "custody.jsonl" or "manifest"
    detail: str


@dataclass(frozen=True)
class VerifyReport:
    evidence_key: str
    checked: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    decrypted: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """Human-readable lines for the CLI."""
        head = "OK" if self.ok else f"FAILED ({len(self.problems)} problems)"
        out = [f"{self.evidence_key}: {head}, {len(self.checked)} artifacts checked"]
        out += [f"  {p.subject}: {p.detail}" for p in self.problems]
        out += [f"  note: {n}" for n in self.notes]
        return out


@dataclass(frozen=True)
class ArtifactRow:
    """What the database says of one artifact."""

    name: str
    sha256: str
    size: int


RETENTION_LOG = "retention.jsonl"


def tombstone_body(line: dict[str, str]) -> bytes:
    """The signed part of a retention tombstone."""
    fields = {k: line[k] for k in ("name", "sha256", "deleted_at", "policy")}
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")


def retained_away(
    store: EvidenceStore, evidence_key: str, verifier: Verifier | None
) -> dict[str, tuple[str, str]]:
    """Artifacts deleted under the retention policy: name -> (sha256, deleted_at). With a
    verifier, only validly signed tombstones count."""
    try:
        raw = store.read(evidence_key, RETENTION_LOG)
    except StoreError:
        return {}
    out: dict[str, tuple[str, str]] = {}
    for text in raw.decode("utf-8", "replace").splitlines():
        try:
            line = json.loads(text)
            body = tombstone_body(line)
        except (ValueError, KeyError, TypeError):
            continue
        if verifier is not None and not verifier.valid(body, line.get("signature")):
            continue
        out[line["name"]] = (line["sha256"], line["deleted_at"])
    return out


def cross_check(manifest: Manifest, rows: Sequence[ArtifactRow]) -> list[Problem]:
    """The database's artifact rows against the certified manifest, both ways."""
    problems: list[Problem] = []
    listed = {a.name: a for a in manifest.artifacts}
    known = {r.name: r for r in rows}
    for name, row in known.items():
        artifact = listed.get(name)
        if artifact is None:
            problems.append(Problem(name, "in the database but not in the certified manifest"))
        elif (row.sha256, row.size) != (artifact.sha256, artifact.size):
            problems.append(Problem(name, "database hash or size differs from the manifest"))
    for name in listed.keys() - known.keys():
        problems.append(Problem(name, "in the manifest but missing from the database"))
    return problems


def verify_evidence(
    store: EvidenceStore,
    evidence_key: str,
    *,
    vault: Vault | None = None,
    verifier: Verifier | None = None,
    heads: HeadStore | None = None,
    rows: Sequence[ArtifactRow] | None = None,
) -> VerifyReport:
    """Verify one item; never raises for damaged evidence, it reports it.

    ``rows`` are the database's artifacts of the item (name, sha256, size): each must match the
    certified manifest, and the manifest must list no artifact the database lacks.
    """
    problems: list[Problem] = []
    notes: list[str] = []
    custody = CustodyLog(store, evidence_key)
    legacy = 0
    for p in custody.verify(verifier, heads):
        if p.legacy:
            legacy += 1
            continue
        problems.append(
            Problem("custody.jsonl", f"line {p.line}: {p.detail}" if p.line else p.detail)
        )
    if legacy:
        notes.append(f"{legacy} legacy-unsigned custody entries (written before signing began)")
    try:
        entries = custody.entries()
        manifest = Manifest.from_json(store.read(evidence_key, entries[-1].manifest))
    except (ValueError, IndexError, StoreError) as exc:
        problems.append(Problem("manifest", f"cannot read the certified manifest: {exc}"))
        return VerifyReport(evidence_key, problems=tuple(problems))
    checked: list[str] = []
    gone = retained_away(store, evidence_key, verifier)
    for artifact in manifest.artifacts:
        checked.append(artifact.name)
        deleted = gone.get(artifact.name)
        if deleted is not None and deleted[0] == artifact.sha256:
            notes.append(f"{artifact.name} deleted under the retention policy on {deleted[1]}")
            continue
        try:
            stored = store.read(evidence_key, artifact.name)
        except StoreError:
            problems.append(Problem(artifact.name, "missing"))
            continue
        if not artifact.encrypted:
            if len(stored) != artifact.size or sha256_hex(stored) != artifact.sha256:
                problems.append(Problem(artifact.name, "SHA-256 does not match the manifest"))
            continue
        if sha256_hex(stored) != artifact.stored_sha256:
            problems.append(Problem(artifact.name, "stored file does not match the manifest"))
            continue
        if vault is None:
            continue
        try:
            plain = vault.decrypt(stored, evidence_key=evidence_key, name=artifact.name)
        except VaultError as exc:
            problems.append(Problem(artifact.name, str(exc)))
            continue
        if sha256_hex(plain) != artifact.sha256:
            problems.append(Problem(artifact.name, "decrypted SHA-256 does not match"))
    if vault is None and any(a.encrypted for a in manifest.artifacts):
        notes.append("encrypted artifacts checked in stored form only (no vault key)")
    if rows is not None:
        rows = [
            *rows,
            *(
                ArtifactRow(a.name, a.sha256, a.size)
                for a in manifest.artifacts
                if a.name in gone and gone[a.name][0] == a.sha256
            ),
        ]
        problems += cross_check(manifest, rows)
    listed = {a.name for a in manifest.artifacts}
    for name in store.names(evidence_key):
        if (
            name not in listed
            and not name.startswith(f"{MANIFESTS}/")
            and name not in ("custody.jsonl", RETENTION_LOG)
        ):
            notes.append(f"{name} is not listed in the manifest")
    return VerifyReport(
        evidence_key,
        checked=tuple(checked),
        problems=tuple(problems),
        decrypted=vault is not None,
        notes=tuple(notes),
    )
