"""Frontal face detection with dlib's HOG detector, shared by the age and same-person models.

Both models were trained on faces found by this detector, so they get the same boxes, and a
detection score lets us drop the weak detections that HOG makes on textures.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from takedown.triage.base import Box, RGBArray, TriageUnavailableError
from takedown.triage.extra import require

if TYPE_CHECKING:
    from takedown.triage.images import Prepared


@dataclass(frozen=True, slots=True)
class FaceDetection:
    """A face box in working-image coordinates, with the detector's score (higher is surer)."""

    left: int
    top: int
    right: int  # inclusive, as dlib reports it
    bottom: int
    score: float

    def box(self, scale: float) -> Box:
        """The box in the coordinates of the image as submitted."""
        return Box(
            self.left, self.top, self.right - self.left + 1, self.bottom - self.top + 1
        ).scaled(scale)

    @property
    def area(self) -> int:
        return (self.right - self.left + 1) * (self.bottom - self.top + 1)


_local = threading.local()


def _detector() -> Any:
    # dlib objects are not documented as thread-safe; one cheap detector per thread avoids a lock.
    detector = getattr(_local, "detector", None)
    if detector is None:
        require("dlib")
        try:
            import dlib
        except ImportError as exc:  # installed but broken (e.g. a missing shared library)
            raise TriageUnavailableError(f"dlib-bin ({exc})") from exc

        detector = dlib.get_frontal_face_detector()
        _local.detector = detector
    return detector


def detect_faces(
    image: RGBArray, *, upsample: int = 1, min_score: float = 0.5, max_faces: int = 8
) -> list[FaceDetection]:
    """Faces in ``image``, largest first, at most ``max_faces``.

    ``upsample=1`` finds faces down to about 40 px at four times the cost of ``0`` (80 px).
    """
    rects, scores, _ = _detector().run(image, upsample, min_score)
    found = [
        FaceDetection(
            left=max(0, int(r.left())),
            top=max(0, int(r.top())),
            right=min(image.shape[1] - 1, int(r.right())),
            bottom=min(image.shape[0] - 1, int(r.bottom())),
            score=float(s),
        )
        for r, s in zip(rects, scores, strict=True)
    ]
    found = [f for f in found if f.right > f.left and f.bottom > f.top]
    found.sort(key=lambda f: f.area, reverse=True)
    return found[:max_faces]


def faces_of(
    image: Prepared, *, upsample: int = 1, min_score: float = 0.5, max_faces: int = 8
) -> list[FaceDetection]:
    """:func:`detect_faces` on a prepared image, computed once for all its classifiers."""
    key = ("faces", upsample, min_score, max_faces)
    cached = image.cache.get(key)
    if cached is None:
        cached = detect_faces(
            image.rgb, upsample=upsample, min_score=min_score, max_faces=max_faces
        )
        image.cache[key] = cached
    return list(cast(list[FaceDetection], cached))
