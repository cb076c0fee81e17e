"""Hashers behind one Protocol, registered by name: ``pdq``, ``vpdq``, ``sha256``, ``md5``."""

from takedown.matching.hashers import exact, pdq, vpdq
from takedown.matching.hashers.base import (
    Hasher,
    HashValue,
    check_hasher,
    get_hasher,
    hasher_names,
    register_hasher,
)

__all__ = [
    "HashValue",
    "Hasher",
    "check_hasher",
    "exact",
    "get_hasher",
    "hasher_names",
    "pdq",
    "register_hasher",
    "vpdq",
]
