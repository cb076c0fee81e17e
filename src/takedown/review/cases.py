"""Creating and changing cases, audited; shared by the API and the review UI."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from takedown.audit import Event, record
from takedown.store.tables import Case


def add_case(s: Session, name: str, keywords: list[str], notes: str | None, actor: str) -> Case:
    case = Case(name=name, keywords=keywords, notes=notes)
    s.add(case)
    s.flush()
    record(s, Event("case.create", actor, "case", case.id, {"keywords": len(keywords)}))
    return case


def change_case(s: Session, case: Case, changes: dict[str, Any], actor: str) -> None:
    for key, value in changes.items():
        setattr(case, key, value)
    record(s, Event("case.update", actor, "case", case.id, {"fields": sorted(changes)}))
