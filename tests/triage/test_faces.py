"""Same-person matching on two benign public-domain portraits of different adults.

Only two distinct people with a detectable face ship in installable packages here
(scikit-image's astronaut, Matplotlib's Grace Hopper): "different people" is that pair.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image

from takedown.triage.base import Box, ModelInfo, Registry, TriageError
from takedown.triage.faces import (
    DEFAULT_THRESHOLD,
    FaceEmbedder,
    FaceEmbedding,
    NoFaceError,
    ReferenceFace,
    distances,
    embedding_from_bytes,
    embedding_to_bytes,
    same_person,
)
from takedown.triage.images import prepare


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))


def _resize(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    return np.asarray(Image.fromarray(image).resize((w * 3 // 5, h * 3 // 5)))


def _crop(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    return image[h // 20 : h - h // 4, w // 10 : w - w // 10].copy()


TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "resize": _resize,
    "crop": _crop,
    "jpeg": lambda image: jpeg(image, 40),
    "flip": lambda image: image[:, ::-1].copy(),
}


@pytest.fixture(scope="module")
def embedder(models: Registry) -> FaceEmbedder:
    classifier = models.get("dlib-face")
    assert isinstance(classifier, FaceEmbedder)
    return classifier


@pytest.fixture(scope="module")
def reference(embedder: FaceEmbedder, astronaut: np.ndarray) -> ReferenceFace:
    return embedder.reference("ref-1", prepare(astronaut))


@pytest.mark.triage
@pytest.mark.parametrize("transform", sorted(TRANSFORMS))
def test_same_person_survives_edits(
    embedder: FaceEmbedder, reference: ReferenceFace, astronaut: np.ndarray, transform: str
) -> None:
    result = embedder.classify(prepare(TRANSFORMS[transform](astronaut)))
    candidates = same_person(result.faces, [reference])
    assert candidates, f"{transform}: no face within {DEFAULT_THRESHOLD}"
    assert candidates[0].ref_id == "ref-1"
    assert candidates[0].distance < 0.4  # well inside the threshold, not just under it


@pytest.mark.triage
def test_different_people_are_not_candidates(
    embedder: FaceEmbedder, reference: ReferenceFace, hopper: np.ndarray
) -> None:
    result = embedder.classify(prepare(hopper))
    assert len(result.faces) == 1
    assert same_person(result.faces, [reference]) == []
    assert float(distances(result.faces, [reference])[0, 0]) > DEFAULT_THRESHOLD


@pytest.mark.triage
def test_reference_needs_a_face(embedder: FaceEmbedder, no_face: np.ndarray) -> None:
    with pytest.raises(NoFaceError, match="cup"):
        embedder.reference("cup", prepare(no_face))


@pytest.mark.triage
def test_result_is_json_and_names_the_model(embedder: FaceEmbedder, hopper: np.ndarray) -> None:
    result = embedder.classify(prepare(hopper))
    data = result.to_json()
    assert data["model"]["name"] == "dlib-face"
    assert len(data["faces"][0]["embedding"]) == 128


def _face(values: list[float]) -> FaceEmbedding:
    return FaceEmbedding(Box(0, 0, 1, 1), 1.0, tuple(values))


def test_matching_is_closest_first_and_bounded() -> None:
    info = ModelInfo("dlib-face", "v")
    refs = [
        ReferenceFace("a", tuple([0.0] * 128), info),
        ReferenceFace("b", tuple([0.05] * 128), info),
    ]
    faces = [_face([0.04] * 128), _face([1.0] * 128)]
    found = same_person(faces, refs)
    assert [(c.face_index, c.ref_id) for c in found] == [(0, "b"), (0, "a")]
    assert found[0].distance < found[1].distance <= DEFAULT_THRESHOLD
    assert distances(faces, []).shape == (2, 0)


def test_references_of_another_model_are_refused() -> None:
    refs = [
        ReferenceFace("a", tuple([0.0] * 128), ModelInfo("dlib-face", "1")),
        ReferenceFace("b", tuple([0.0] * 128), ModelInfo("dlib-face", "2")),
    ]
    with pytest.raises(TriageError, match="several face models"):
        same_person([_face([0.0] * 128)], refs)


def test_embedding_bytes_round_trip() -> None:
    vector = tuple(float(i) / 128 for i in range(128))
    data = embedding_to_bytes(vector)
    assert len(data) == 512
    assert embedding_from_bytes(data) == pytest.approx(vector)
    with pytest.raises(TriageError):
        embedding_from_bytes(data[:-4])
    with pytest.raises(TriageError):
        embedding_to_bytes([1.0, 2.0])
