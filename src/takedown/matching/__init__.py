"""Matching: hash references and media, and find a case's references in what the monitor sees.

The pipeline calls :func:`hash_reference`, :func:`hash_media` and :class:`Matcher`; the rest
are building blocks (hashers, augmentation, trimming, the local-feature verifier).
"""

from takedown.matching.engine import Matcher, MatchPolicy, MatchResult
from takedown.matching.hashes import LocalFeatures, MediaHashes, PdqVariant, ReferenceHashes
from takedown.matching.hashing import HashLimits, hash_file_report, hash_media, hash_reference

__all__ = [
    "HashLimits",
    "LocalFeatures",
    "MatchPolicy",
    "MatchResult",
    "Matcher",
    "MediaHashes",
    "PdqVariant",
    "ReferenceHashes",
    "hash_file_report",
    "hash_media",
    "hash_reference",
]
