"""Roles and what each may do. Higher roles include the lower ones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["admin", "officer", "viewer", "partner"]
RANK: dict[str, int] = {"viewer": 0, "officer": 1, "admin": 2}
# A partner platform's token: outside the ladder, it may call only the partner lookup routes
# (never /api/v1), so ``allows(partner, ...)`` is false for every role of the ladder.
PARTNER = "partner"
TOKEN_ROLES = (*RANK, PARTNER)


def allows(have: str, need: str) -> bool:
    if need == PARTNER:
        return have == PARTNER
    return RANK.get(have, -1) >= RANK[need]


@dataclass(frozen=True)
class Principal:
    """The caller of a request: a token or a logged-in user."""

    kind: Literal["token", "user", "system"]
    id: int
    name: str
    role: str

    @property
    def actor(self) -> str:
        return f"{self.kind}:{self.name}"


SYSTEM = Principal("system", 0, "takedown", "admin")
