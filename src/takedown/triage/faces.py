"""Same-person signal: dlib's 128-d face embeddings and matching against a case's references.

A case can hold reference embeddings computed from a few photos at intake (the photos are then
discarded by the caller). Faces in monitored media whose embedding lies within ``threshold``
(Euclidean) of a reference become "same person" candidates, for an officer to check.

We call dlib directly with the models of ``face-recognition-models`` rather than importing
``face_recognition``: that module loads four models at import, changes Pillow's global
truncated-image setting and calls ``quit()`` when a model is missing.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from takedown.triage.base import (
    Box,
    Budget,
    Deadline,
    Lazy,
    ModelInfo,
    TriageError,
    TriageUnavailableError,
    dist_version,
)
from takedown.triage.extra import require
from takedown.triage.facedetect import FaceDetection, faces_of
from takedown.triage.images import Prepared

EMBEDDING_DIM = 128
# dlib's documented operating point: pairs closer than 0.6 are the same person 99.38% of the
# time on LFW. Our own transform benchmark (bench/bench_triage.py) measures it on edits.
DEFAULT_THRESHOLD = 0.6

Embedding = NDArray[np.float32]


class NoFaceError(TriageError):
    """A reference photo in which no face was found."""


@dataclass(frozen=True, slots=True)
class FaceEmbedding:
    """One face in a media item: its box, detector score and embedding."""

    box: Box
    detector_score: float
    embedding: tuple[float, ...]

    @property
    def vector(self) -> Embedding:
        return np.asarray(self.embedding, dtype=np.float32)


@dataclass(frozen=True, slots=True)
class FacesResult:
    """What :class:`FaceEmbedder` returns for one image."""

    model: ModelInfo
    faces: list[FaceEmbedding]
    truncated: bool
    elapsed_ms: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ReferenceFace:
    """A reference embedding of a case, keyed by the caller's reference id."""

    ref_id: str
    embedding: tuple[float, ...]
    model: ModelInfo


@dataclass(frozen=True, slots=True)
class SamePersonCandidate:
    """A media face within the threshold of a reference: a candidate, never an identification."""

    face_index: int
    ref_id: str
    distance: float
    threshold: float


@dataclass(frozen=True, slots=True)
class FaceConfig:
    """Detection settings and ``jitters`` (dlib re-samples the face n times: slower, steadier)."""

    upsample: int = 1
    min_detector_score: float = 0.5
    jitters: int = 1


def _models_dir() -> Path:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise TriageUnavailableError("face-recognition-models")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


class _Dlib:
    """The landmark and embedding networks, loaded together; dlib calls are serialised."""

    def __init__(self) -> None:
        require("dlib")
        try:
            import dlib
        except ImportError as exc:  # installed but broken (e.g. a missing shared library)
            raise TriageUnavailableError(f"dlib-bin ({exc})") from exc

        models = _models_dir()
        # The 5-point landmarks (CC0) rather than the 68-point ones, whose iBUG 300-W training
        # data forbids commercial use; dlib's embedding network was trained with 5-point chips.
        try:
            self.shape = dlib.shape_predictor(str(models / "shape_predictor_5_face_landmarks.dat"))
            self.encoder = dlib.face_recognition_model_v1(
                str(models / "dlib_face_recognition_resnet_model_v1.dat")
            )
        except RuntimeError as exc:
            raise TriageUnavailableError(f"face-recognition-models ({exc})") from exc
        self.rectangle = dlib.rectangle
        self.lock = threading.Lock()

    def embed(self, rgb: NDArray[np.uint8], face: FaceDetection, jitters: int) -> Embedding:
        rect = self.rectangle(face.left, face.top, face.right, face.bottom)
        with self.lock:
            shape = self.shape(rgb, rect)
            vector = self.encoder.compute_face_descriptor(rgb, shape, jitters)
        return np.asarray(vector, dtype=np.float32)


class FaceEmbedder:
    """dlib ResNet face embeddings (``dlib_face_recognition_resnet_model_v1``) per face."""

    name = "dlib-face"
    returns = FacesResult

    def __init__(self, config: FaceConfig | None = None, budget: Budget | None = None) -> None:
        self.config = config or FaceConfig()
        self.budget = budget or Budget()
        self.version = f"dlib-{dist_version('dlib-bin')}+resnet-v1+5pt"
        self._model: Lazy[_Dlib] = Lazy(_Dlib)

    @property
    def info(self) -> ModelInfo:
        return ModelInfo(self.name, self.version)

    def load(self) -> None:
        self._model.get()

    def classify(self, image: Prepared) -> FacesResult:
        model = self._model.get()
        deadline = Deadline(self.budget.seconds)
        detections = faces_of(
            image,
            upsample=self.config.upsample,
            min_score=self.config.min_detector_score,
            max_faces=self.budget.max_faces,
        )
        faces: list[FaceEmbedding] = []
        truncated = False
        for detection in detections:
            if deadline.expired:
                truncated = True
                break
            try:
                vector = model.embed(image.rgb, detection, self.config.jitters)
            except RuntimeError as exc:
                raise TriageError(f"dlib face embedding failed: {exc}") from exc
            faces.append(
                FaceEmbedding(
                    box=detection.box(image.scale),
                    detector_score=round(detection.score, 3),
                    embedding=tuple(round(float(v), 6) for v in vector),
                )
            )
        return FacesResult(self.info, faces, truncated, round(deadline.elapsed_ms, 1))

    def reference(self, ref_id: str, image: Prepared) -> ReferenceFace:
        """The embedding of the largest face in a reference photo; :class:`NoFaceError` if none."""
        result = self.classify(image)
        if not result.faces:
            raise NoFaceError(f"no face found in reference photo {ref_id!r}")
        # Faces come largest first: in a photo handed over for a case, that is the subject.
        return ReferenceFace(ref_id=ref_id, embedding=result.faces[0].embedding, model=self.info)


def distances(faces: Sequence[FaceEmbedding], references: Sequence[ReferenceFace]) -> Embedding:
    """The ``[faces, references]`` matrix of Euclidean distances."""
    if not faces or not references:
        return np.zeros((len(faces), len(references)), dtype=np.float32)
    a = np.stack([f.vector for f in faces])
    b = np.stack([np.asarray(r.embedding, dtype=np.float32) for r in references])
    if a.shape[1] != EMBEDDING_DIM or b.shape[1] != EMBEDDING_DIM:
        raise TriageError(f"face embeddings must have {EMBEDDING_DIM} dimensions")
    result: Embedding = np.linalg.norm(a[:, None, :] - b[None, :, :], axis=2).astype(np.float32)
    return result


def same_person(
    faces: Sequence[FaceEmbedding],
    references: Sequence[ReferenceFace],
    threshold: float = DEFAULT_THRESHOLD,
) -> list[SamePersonCandidate]:
    """Every (face, reference) pair within ``threshold``, closest first.

    References made by another model version are refused: their distances mean nothing here.
    """
    versions = {r.model for r in references}
    if len(versions) > 1:
        raise TriageError(f"references come from several face models: {sorted(map(str, versions))}")
    matrix = distances(faces, references)
    candidates = [
        SamePersonCandidate(
            int(i), references[int(j)].ref_id, round(float(matrix[i, j]), 4), threshold
        )
        for i, j in zip(*np.nonzero(matrix <= threshold), strict=True)
    ]
    candidates.sort(key=lambda c: c.distance)
    return candidates


def embedding_to_bytes(embedding: Sequence[float]) -> bytes:
    """Little-endian float32, 512 bytes: compact storage of a reference embedding."""
    vector = np.asarray(embedding, dtype="<f4")
    if vector.shape != (EMBEDDING_DIM,):
        raise TriageError(f"a face embedding has {EMBEDDING_DIM} values, got {vector.shape}")
    return vector.tobytes()


def embedding_from_bytes(data: bytes) -> tuple[float, ...]:
    if len(data) != EMBEDDING_DIM * 4:
        raise TriageError(f"a stored face embedding is {EMBEDDING_DIM * 4} bytes, got {len(data)}")
    return tuple(float(v) for v in np.frombuffer(data, dtype="<f4"))
