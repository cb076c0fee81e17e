"""Each deletion request's own reference: random, so that two sites' requests cannot be linked.

60 bits from :mod:`secrets` in an unambiguous alphabet (no 0/O, 1/I/L, U). The reference means
something only inside takedown (``Notice.reference``); it never encodes the case.
"""

from __future__ import annotations

import re
import secrets

_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
PATTERN = re.compile(r"^TDR-[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}$")


def new_reference() -> str:
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"TDR-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def is_reference(value: str) -> bool:
    return bool(PATTERN.match(value.strip().upper()))
