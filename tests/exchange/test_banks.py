"""Bank lookups per signal type, signal validation, cursors, and the orphan sweep."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete

from takedown.exchange import cursor as cursors
from takedown.exchange.banks import (
    add_entry,
    changes_after,
    create_bank,
    lookup,
    sweep_orphans,
)
from takedown.exchange.signals import SignalError, normalise, reference_signals
from takedown.pipeline.runtime import Runtime
from takedown.review.references import add_hash_list
from takedown.store.tables import Case, Reference

A = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
B = "5feb5321f01da156898e2b7629a5d343c412cdbd23f48942464526315db33ffd"


def _flip(hex_: str, bits: int) -> str:
    return f"{int(hex_, 16) ^ ((1 << bits) - 1):064x}"


def test_signal_validation() -> None:
    assert normalise("pdq", A.upper()) == A
    assert normalise("video_md5", " " + "AB" * 16 + " ") == "ab" * 16
    vpdq = normalise("vpdq", json.dumps([f"{A},100,0.000", f"{B},90,1.000"]))
    assert json.loads(vpdq) == [f"{A},100,0.000", f"{B},90,1.000"]
    for stype, value in [
        ("pdq", A[:-1]),
        ("pdq", "g" * 64),
        ("md5", "ab" * 15),
        ("sha256", "ab" * 31),
        ("vpdq", "[1, 2]"),
        ("tmk", A),
    ]:
        with pytest.raises(SignalError):
            normalise(stype, value)
    video = {"kind": "video", "md5": "ab" * 16, "vpdq": [[A, 100, 0.0, 0]], "pdq": []}
    assert [t for t, _ in reference_signals(video)] == ["vpdq", "video_md5"]


def test_lookups_by_type_only_in_shared_banks(runtime: Runtime) -> None:
    with runtime.db.session() as s:
        shared = create_bank(s, "shared", "t")
        watch = create_bank(s, "watch", "t", kind="watch")
        add_entry(s, shared, "pdq", A, "import")
        add_entry(s, watch, "pdq", B, "import")
        add_entry(s, shared, "video_md5", "cd" * 16, "import")
        add_entry(s, shared, "vpdq", json.dumps([f"{A},100,0.0", f"{B},100,1.0"]), "import")
        assert [h.distance for h in lookup(s, "pdq", _flip(A, 20))] == [20]
        assert lookup(s, "pdq", _flip(A, 40)) == []
        assert lookup(s, "pdq", B) == []  # only in a watch list: never answered to a partner
        assert [h.bank for h in lookup(s, "md5", "CD" * 16)] == ["shared"]  # same digest family
        hits = lookup(s, "vpdq", json.dumps([f"{_flip(A, 5)},100,0.0", f"{B},100,1.0"]))
        assert [h.bank for h in hits] == ["shared"]
        assert lookup(s, "vpdq", json.dumps([f"{_flip(A, 60)},100,0.0"])) == []


def test_cursor_is_signed_and_bound_to_its_bank() -> None:
    token = cursors.encode(cursors.Cursor(3, 17), "secret-one")
    assert cursors.decode(token, "secret-one", 3) == cursors.Cursor(3, 17)
    tag = token.split(".")[1]
    forged = cursors.encode(cursors.Cursor(3, 0), "another-secret").split(".")[0] + "." + tag
    for bad, bank in [(forged, 3), (token, 4), ("x", 3), (token + "A", 3), ("a.b.c", 3)]:
        with pytest.raises(cursors.CursorError):
            cursors.decode(bad, "secret-one", bank)
    with pytest.raises(cursors.CursorError):
        cursors.decode(token, "secret-two", 3)


def test_erased_reference_becomes_a_tombstone(runtime: Runtime) -> None:
    with runtime.db.session() as s:
        case = Case(name="c")
        s.add(case)
        s.flush()
        (ref,) = add_hash_list(s, case.id, "pdq", [A], "t")
        bank = create_bank(s, "b", "t")
        add_entry(s, bank, "pdq", A, "reference", case_id=case.id, reference_id=ref.id)
        first, _ = changes_after(s, bank, 0, 10)
        s.execute(delete(Reference).where(Reference.id == ref.id))  # as erasure does, in bulk
    with runtime.db.session() as s:
        assert sweep_orphans(s) == 1
        assert sweep_orphans(s) == 0
        bank = create_bank(s, "other", "t")
    with runtime.db.session() as s:
        from takedown.exchange.banks import bank_named

        later, more = changes_after(s, bank_named(s, "b"), first[-1].position, 10)
        assert [(c.withdrawn, c.signal) for c in later] == [(True, A)] and not more
        assert lookup(s, "pdq", A) == []


def test_an_erased_case_is_never_answered(runtime: Runtime) -> None:
    from takedown.store.base import utcnow

    with runtime.db.session() as s:
        case = Case(name="c")
        s.add(case)
        s.flush()
        (ref,) = add_hash_list(s, case.id, "pdq", [A], "t")
        bank = create_bank(s, "b", "t")
        add_entry(s, bank, "pdq", A, "reference", case_id=case.id, reference_id=ref.id)
        assert lookup(s, "pdq", A)
        case.erased_at = utcnow()
        s.flush()
        assert lookup(s, "pdq", A) == []
        assert sweep_orphans(s) == 1
