"""Optional triage signals (nudity, apparent age, same person) that order the officers' queue.

Needs the ``triage`` extra (``pip install takedown[triage]``); without it this package still
imports, :func:`available` says why triage is off and the classifiers raise
:class:`TriageUnavailableError`. Signals only order a queue: nothing is sent on a classifier's word.
"""

from takedown.triage.base import (
    Budget,
    Classifier,
    ImageRefusedError,
    ModelInfo,
    Registry,
    TriageError,
    TriageUnavailableError,
    registry,
)
from takedown.triage.extra import available

__all__ = [
    "Budget",
    "Classifier",
    "ImageRefusedError",
    "ModelInfo",
    "Registry",
    "TriageError",
    "TriageUnavailableError",
    "available",
    "registry",
]
