"""The chain-of-custody log of one evidence item: append-only JSON lines, hash-chained.

Each entry holds the SHA-256 of the previous entry and of the manifest snapshot it certifies, and
its own SHA-256 over its canonical JSON, so removing, reordering or editing any line is detected.
With a signing key, each entry's SHA-256 is also signed (Ed25519) and the chain's signed head is
kept beside the key, so re-hashing a rewritten log, or cutting its end off, is detected too.
Entries written before signing began are reported as legacy-unsigned, never after a signed one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Final

from takedown.evidence.manifest import sha256_hex
from takedown.evidence.signing import Head, HeadStore, Signer, Verifier
from takedown.evidence.store import EvidenceStore

CUSTODY_LOG: Final = "custody.jsonl"
GENESIS: Final = "0" * 64


@dataclass(frozen=True)
class CustodyEntry:
    seq: int
    id: str
    at: str
    action: str
    actor: str
    manifest: str
    manifest_sha256: str
    prev_sha256: str
    note: str = ""
    timestamp: str | None = None  # name of an RFC 3161 token artifact, when one was obtained
    sha256: str = ""
    # Ed25519 signature of ``sha256`` (base64) and the signing key's id; absent on legacy entries.
    signature: str | None = None
    key_id: str | None = None

    def body(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("sha256", "signature", "key_id"):
            data.pop(name)
        return data

    def compute_sha256(self) -> str:
        return sha256_hex(_canonical(self.body()))

    def to_line(self) -> bytes:
        data = asdict(self)
        if data["signature"] is None:
            # Unsigned lines keep the exact form they always had.
            data.pop("signature")
            data.pop("key_id")
        return _canonical(data) + b"\n"


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class CustodyProblem:
    line: int
    detail: str
    # A note, not a failure: entries written before signing began.
    legacy: bool = False


def custody_chain(evidence_key: str) -> str:
    """The name of an item's chain in the head store."""
    return f"custody-{evidence_key}"


class CustodyLog:
    """The log of ``evidence_key`` in ``store``."""

    def __init__(
        self,
        store: EvidenceStore,
        evidence_key: str,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        signer: Signer | None = None,
    ) -> None:
        self.store = store
        self.key = evidence_key
        self._clock = clock
        self._signer = signer

    def entries(self) -> list[CustodyEntry]:
        """Parse the log; raises ``ValueError`` on a malformed line."""
        if not self.store.exists(self.key, CUSTODY_LOG):
            return []
        raw = self.store.read(self.key, CUSTODY_LOG)
        entries = []
        for number, line in enumerate(raw.splitlines(), start=1):
            try:
                data = json.loads(line)
                entries.append(CustodyEntry(**data))
            except (ValueError, TypeError) as exc:
                raise ValueError(f"custody line {number} is malformed: {exc}") from exc
        return entries

    def append(
        self,
        *,
        action: str,
        actor: str,
        manifest: str,
        manifest_sha256: str,
        note: str = "",
        timestamp: str | None = None,
    ) -> CustodyEntry:
        """Add an entry after the current last one and return it.

        The caller serialises appends for one evidence item (one capture task at a time);
        the store's append is atomic, and :meth:`verify` catches a fork.
        """
        previous = self.entries()
        seq = len(previous) + 1
        entry = CustodyEntry(
            seq=seq,
            id=f"{self.key}#{seq}",
            at=self._clock().astimezone(UTC).isoformat(),
            action=action,
            actor=actor,
            manifest=manifest,
            manifest_sha256=manifest_sha256,
            prev_sha256=previous[-1].sha256 if previous else GENESIS,
            note=note,
            timestamp=timestamp,
        )
        digest = entry.compute_sha256()
        signature = key_id = None
        if self._signer is not None:
            signature, key_id = self._signer.sign(digest.encode()), self._signer.key_id
        entry = CustodyEntry(
            **{**entry.body(), "sha256": digest, "signature": signature, "key_id": key_id}
        )
        self.store.append(self.key, CUSTODY_LOG, entry.to_line())
        heads = self._signer.heads if self._signer is not None else None
        if self._signer is not None and heads is not None:
            heads.advance(self._signer, custody_chain(self.key), seq, digest)
        return entry

    def verify(
        self, verifier: Verifier | None = None, heads: HeadStore | None = None
    ) -> list[CustodyProblem]:
        """Check the chain and every manifest snapshot it names; no failures means intact.

        With ``verifier`` every entry's signature is checked (unsigned ones before the first
        signed one are legacy notes); with ``heads`` the log must reach the signed head.
        """
        try:
            entries = self.entries()
        except ValueError as exc:
            return [CustodyProblem(0, str(exc))]
        if not entries:
            return [CustodyProblem(0, "the custody log is empty or missing")]
        problems: list[CustodyProblem] = []
        previous = GENESIS
        for number, entry in enumerate(entries, start=1):
            if entry.seq != number or entry.id != f"{self.key}#{number}":
                problems.append(CustodyProblem(number, f"out of sequence: {entry.id}"))
            if entry.prev_sha256 != previous:
                problems.append(CustodyProblem(number, "does not chain to the previous entry"))
            if entry.compute_sha256() != entry.sha256:
                problems.append(CustodyProblem(number, "entry hash does not match its content"))
            previous = entry.sha256
            problems.extend(self._check_snapshot(number, entry))
        if verifier is not None:
            problems += _check_signatures(entries, verifier)
        if heads is not None:
            problems += _check_head(entries, heads.get(custody_chain(self.key)), verifier)
        return problems

    def _check_snapshot(self, number: int, entry: CustodyEntry) -> list[CustodyProblem]:
        if not self.store.exists(self.key, entry.manifest):
            return [CustodyProblem(number, f"manifest snapshot {entry.manifest} is missing")]
        if sha256_hex(self.store.read(self.key, entry.manifest)) != entry.manifest_sha256:
            return [CustodyProblem(number, f"manifest snapshot {entry.manifest} was altered")]
        return []


def _check_signatures(entries: list[CustodyEntry], verifier: Verifier) -> list[CustodyProblem]:
    problems: list[CustodyProblem] = []
    signed_seen = False
    for number, entry in enumerate(entries, start=1):
        if entry.signature is None and not signed_seen:
            problems.append(CustodyProblem(number, "legacy-unsigned entry", legacy=True))
        elif entry.signature is None:
            problems.append(CustodyProblem(number, "unsigned entry after signed ones"))
        elif not verifier.valid(entry.sha256.encode(), entry.signature):
            signed_seen = True
            problems.append(CustodyProblem(number, "signature does not match the entry"))
        else:
            signed_seen = True
    return problems


def _check_head(
    entries: list[CustodyEntry], head: Head | None, verifier: Verifier | None
) -> list[CustodyProblem]:
    if head is None:
        if any(e.signature for e in entries):
            return [CustodyProblem(0, "signed entries but no signed head beside the key")]
        return []
    if verifier is not None and not verifier.head_valid(head):
        return [CustodyProblem(0, "the signed head's signature does not match")]
    if len(entries) < head.count:
        return [
            CustodyProblem(
                0, f"truncated: {len(entries)} entries, the signed head says {head.count}"
            )
        ]
    if entries[head.count - 1].sha256 != head.last:
        return [CustodyProblem(head.count, "entry differs from the signed head")]
    return []
