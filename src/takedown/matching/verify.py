"""Local-feature verification for what hashes cannot see: heavy crops, screenshots, collages.

Each reference keeps ORB keypoints and descriptors (never pixels). A query's descriptors are
looked up in one FAISS binary index over every reference's descriptors; the references with
the most distinctive hits are checked with a RANSAC homography, and only a geometrically
consistent set of matches counts. Keypoints and candidates are capped so the work is bounded.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

import cv2
import faiss
import numpy as np
import numpy.typing as npt
from PIL import Image

from takedown.matching.hashes import LocalFeatures


@dataclass(frozen=True)
class VerifyLimits:
    """Bounds and acceptance rules of the verifier."""

    reference_keypoints: int = 500
    query_keypoints: int = 2000
    reference_side: int = 800
    query_side: int = 1200
    max_candidates: int = 5
    ratio: float = 0.8  # Lowe's ratio test on Hamming distances
    max_descriptor_distance: int = 64
    min_inliers: int = 15
    reprojection_pixels: float = 6.0
    # Above this many stored descriptors the lookup switches from exact (flat) to an inverted
    # file over binary k-means cells, so a query's cost stops growing with every reference.
    flat_max: int = 20_000
    nprobe: int = 8


@dataclass(frozen=True)
class Verified:
    """A reference found in the query by local features."""

    reference_id: int
    inliers: int
    matches: int

    @property
    def confidence(self) -> float:
        return min(1.0, self.inliers / 60.0)


def _gray(image: Image.Image, max_side: int) -> npt.NDArray[np.uint8]:
    if max(image.size) > max_side:
        scale = max_side / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR)
    return np.ascontiguousarray(np.asarray(image.convert("L"), dtype=np.uint8))


def extract_features(image: Image.Image, keypoints: int, max_side: int) -> LocalFeatures | None:
    """ORB features of an image, or ``None`` when it has too little texture to describe."""
    gray = _gray(image, max_side)
    orb = cv2.ORB.create(nfeatures=keypoints, fastThreshold=12)
    points, desc = orb.detectAndCompute(gray, None)
    if desc is None or len(points) < 8:
        return None
    xy = np.array([p.pt for p in points], dtype=np.float32)
    return LocalFeatures(
        xy, np.ascontiguousarray(desc, dtype=np.uint8), gray.shape[1], gray.shape[0]
    )


def _plausible(fit: object) -> bool:
    """Reject degenerate or wildly distorting fits that RANSAC can find in noise."""
    if fit is None:
        return False
    homography = np.asarray(fit, dtype=np.float64)
    if homography.shape != (3, 3) or not np.all(np.isfinite(homography)):
        return False
    affine = homography[:2, :2]
    det = float(np.linalg.det(affine))
    if det <= 0.0:  # mirrored: a flip is matched by the dihedral hashes instead
        return False
    scale = det**0.5
    if not 0.05 <= scale <= 20.0:
        return False
    return abs(float(homography[2, 0])) < 0.01 and abs(float(homography[2, 1])) < 0.01


class FeatureIndex:
    """Every reference's descriptors in one FAISS binary index; safe for concurrent use."""

    def __init__(self, limits: VerifyLimits | None = None) -> None:
        self.limits = limits or VerifyLimits()
        self._lock = threading.Lock()
        self._features: dict[int, LocalFeatures] = {}
        self._index: Any = None  # FAISS's SWIG classes are untyped
        self._quantizer: Any = None
        self._owners: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._features)

    def add(self, reference_id: int, features: LocalFeatures) -> None:
        with self._lock:
            self._features[reference_id] = features
            self._index = None  # rebuilt on the next query: adds come in bursts at intake

    def remove(self, reference_id: int) -> None:
        with self._lock:
            if self._features.pop(reference_id, None) is not None:
                self._index = None

    def _snapshot(self) -> tuple[Any, npt.NDArray[np.int64]]:
        with self._lock:
            if self._index is None and self._features:
                ids = list(self._features)
                descs = [self._features[i].descriptors for i in ids]
                stacked = np.ascontiguousarray(np.concatenate(descs))
                self._index = self._build(stacked)
                self._owners = np.repeat(np.array(ids, dtype=np.int64), [len(d) for d in descs])
            return self._index, self._owners

    def _build(self, descriptors: npt.NDArray[np.uint8]) -> Any:
        count = len(descriptors)
        if count <= self.limits.flat_max:
            flat: Any = faiss.IndexBinaryFlat(256)
            flat.add(descriptors)
            return flat
        cells = int(4 * count**0.5)
        self._quantizer = faiss.IndexBinaryFlat(256)  # kept alive: the IVF index borrows it
        index: Any = faiss.IndexBinaryIVF(self._quantizer, 256, cells)
        sample = np.random.default_rng(0).choice(count, min(count, cells * 16), replace=False)
        index.train(descriptors[np.sort(sample)])
        index.add(descriptors)
        index.nprobe = self.limits.nprobe
        return index

    def verify(self, query: LocalFeatures, allowed: set[int] | None = None) -> list[Verified]:
        """References found in ``query`` (strongest first); ``allowed`` limits the candidates."""
        index, owners = self._snapshot()
        if index is None or len(query) == 0:
            return []
        distances, rows = index.search(query.descriptors, 2)
        votes: Counter[int] = Counter()
        for (d1, d2), (r1, r2) in zip(distances, rows, strict=True):
            if r1 < 0 or d1 > self.limits.max_descriptor_distance:
                continue
            if d1 < self.limits.ratio * d2 or owners[r1] == owners[r2]:
                votes[int(owners[r1])] += 1
        found: list[Verified] = []
        candidates = [
            ref
            for ref, count in votes.most_common()
            if count >= self.limits.min_inliers // 2 and (allowed is None or ref in allowed)
        ][: self.limits.max_candidates]
        for ref in candidates:
            with self._lock:
                features = self._features.get(ref)
            if features is None:
                continue
            result = self._check(ref, features, query)
            if result is not None:
                found.append(result)
        return sorted(found, key=lambda v: -v.inliers)

    def _check(self, ref: int, features: LocalFeatures, query: LocalFeatures) -> Verified | None:
        matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
        pairs = matcher.knnMatch(features.descriptors, query.descriptors, k=2)
        good = [
            m[0]
            for m in pairs
            if len(m) == 2
            and m[0].distance <= self.limits.max_descriptor_distance
            and m[0].distance < self.limits.ratio * m[1].distance
        ]
        if len(good) < self.limits.min_inliers:
            return None
        src = features.points[[m.queryIdx for m in good]].reshape(-1, 1, 2)
        dst = query.points[[m.trainIdx for m in good]].reshape(-1, 1, 2)
        homography, mask = cv2.findHomography(
            src, dst, cv2.RANSAC, self.limits.reprojection_pixels, maxIters=2000
        )
        if mask is None or not _plausible(homography):
            return None
        inliers = int(mask.sum())
        if inliers < self.limits.min_inliers:
            return None
        return Verified(ref, inliers, len(good))
