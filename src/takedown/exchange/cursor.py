"""Opaque fetch cursors: the bank and the last change id a partner has seen, signed with HMAC.

A partner cannot move a cursor to another bank or forge a position: anything that does not
verify is :class:`CursorError`, answered with a 400 and nothing fetched.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass


class CursorError(ValueError):
    """The cursor was not issued by this service for this bank."""


@dataclass(frozen=True)
class Cursor:
    bank_id: int
    position: int


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), b"takedown bank cursor v1", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(cursor: Cursor, secret: str) -> str:
    body = json.dumps({"b": cursor.bank_id, "p": cursor.position}, separators=(",", ":"))
    payload = body.encode("ascii")
    tag = hmac.new(_key(secret), payload, hashlib.sha256).digest()[:16]
    return f"{_b64(payload)}.{_b64(tag)}"


def decode(text: str, secret: str, bank_id: int) -> Cursor:
    """The cursor in ``text``; :class:`CursorError` when forged, damaged or for another bank."""
    if not text or len(text) > 200 or text.count(".") != 1:
        raise CursorError("not a cursor issued by this service")
    body, tag = text.split(".")
    try:
        payload, given = _unb64(body), _unb64(tag)
    except (ValueError, TypeError):
        raise CursorError("not a cursor issued by this service") from None
    expected = hmac.new(_key(secret), payload, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(given, expected):
        raise CursorError("the cursor does not verify (forged or damaged)")
    data = json.loads(payload)
    cursor = Cursor(int(data["b"]), int(data["p"]))
    if cursor.bank_id != bank_id:
        raise CursorError("the cursor belongs to another bank")
    return cursor
