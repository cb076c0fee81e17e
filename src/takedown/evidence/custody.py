"""The chain-of-custody log of one evidence item: append-only JSON lines, hash-chained.

Each entry holds the SHA-256 of the previous entry and of the manifest snapshot it certifies, and
its own SHA-256 over its canonical JSON, so removing, reordering or editing any line is detected.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Final

from takedown.evidence.manifest import sha256_hex
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

    def body(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("sha256")
        return data

    def compute_sha256(self) -> str:
        return sha256_hex(_canonical(self.body()))

    def to_line(self) -> bytes:
        return _canonical(asdict(self)) + b"\n"


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class CustodyProblem:
    line: int
    detail: str


class CustodyLog:
    """The log of ``evidence_key`` in ``store``."""

    def __init__(
        self,
        store: EvidenceStore,
        evidence_key: str,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.key = evidence_key
        self._clock = clock

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
        entry = CustodyEntry(**{**entry.body(), "sha256": entry.compute_sha256()})
        self.store.append(self.key, CUSTODY_LOG, entry.to_line())
        return entry

    def verify(self) -> list[CustodyProblem]:
        """Check the chain and every manifest snapshot it names; empty means intact."""
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
        return problems

    def _check_snapshot(self, number: int, entry: CustodyEntry) -> list[CustodyProblem]:
        if not self.store.exists(self.key, entry.manifest):
            return [CustodyProblem(number, f"manifest snapshot {entry.manifest} is missing")]
        if sha256_hex(self.store.read(self.key, entry.manifest)) != entry.manifest_sha256:
            return [CustodyProblem(number, f"manifest snapshot {entry.manifest} was altered")]
        return []
