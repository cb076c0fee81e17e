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
    # Smaller queries (thumbnails, downscaled re-uploads) are enlarged to this side before
    # detection, so ORB's border and patch size do not eat the picture.
    query_min_side: int = 512
    # References checked geometrically, by most votes: a screenshot's or a collage's other
    # content (page text, bars, the other cells) draws votes too, and the picture's reference
    # can rank below several of those.
    max_candidates: int = 12
    ratio: float = 0.8  # Lowe's ratio test on Hamming distances
    max_descriptor_distance: int = 64
    # Acceptance: geometrically consistent matches (RANSAC inliers), how many cells of an
    # 8 x 8 grid over the reference they fall in (a logo, a caption or one textured patch
    # fills few), and the share of the reference's area their convex hull covers.
    min_inliers: int = 12
    min_cells: int = 7
    min_coverage: float = 0.02
    # The decision: ``Verified.evidence`` (inliers, as far as they are spread over the grid)
    # at or above this. Chosen on bench/bench_matching.py as the loosest value with no false
    # pair, its leave-one-transform-out check included.
    min_evidence: float = 24.0
    reprojection_pixels: float = 6.0
    # Below this many keypoints at the usual FAST threshold (a smooth picture: sky, studio
    # backdrop, gradients) detection is repeated at lower thresholds.
    min_keypoints: int = 150
    # Above this many stored descriptors the lookup switches from exact (flat) to an inverted
    # file over binary k-means cells, so a query's cost stops growing with every reference.
    flat_max: int = 20_000
    nprobe: int = 8


_GRID = 8


@dataclass(frozen=True)
class Verified:
    """A reference found in the query by local features.

    ``cells``: cells of an 8 x 8 grid over the reference holding an inlier; ``coverage``: the
    share of the reference's area inside the inliers' convex hull.
    """

    reference_id: int
    inliers: int
    matches: int
    cells: int = _GRID * _GRID
    coverage: float = 1.0

    @property
    def evidence(self) -> float:
        """Inliers counted only as far as they are spread (clustered matches: a logo, text,
        one patch of texture, weigh little however many there are), discounted when under
        three quarters of the ratio-tested matches agree with the fit (a repetitive texture
        matches many places, of which any fit explains only some)."""
        agreement = self.inliers / max(1, self.matches)
        return float(min(self.inliers, 3 * self.cells)) * min(1.0, agreement / 0.75)

    @property
    def confidence(self) -> float:
        return min(1.0, self.evidence / 60.0)


def _gray(image: Image.Image, max_side: int, min_side: int = 0) -> npt.NDArray[np.uint8]:
    if max(image.size) < min_side:
        scale = min_side / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BICUBIC)
    elif max(image.size) > max_side:
        scale = max_side / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR)
    return np.ascontiguousarray(np.asarray(image.convert("L"), dtype=np.uint8))


_FAST_THRESHOLDS = (12, 6, 3)
_OVERSAMPLE = 3


def _spread(points: list[Any], keep: int, width: int, height: int) -> list[Any]:
    """The strongest ``keep`` keypoints taken in turns from each cell of the 8 x 8 grid, so a
    crop of any part of the picture holds its share (ORB alone crowds them onto the most
    textured region)."""
    if len(points) <= keep:
        return points
    cells: dict[int, list[Any]] = {}
    for p in sorted(points, key=lambda p: -p.response):
        gx = min(_GRID - 1, int(p.pt[0] * _GRID / max(1, width)))
        gy = min(_GRID - 1, int(p.pt[1] * _GRID / max(1, height)))
        cells.setdefault(gy * _GRID + gx, []).append(p)
    out: list[Any] = []
    depth = 0
    while len(out) < keep:
        layer = [c[depth] for c in cells.values() if len(c) > depth]
        if not layer:
            break
        layer.sort(key=lambda p: -p.response)
        out += layer[: keep - len(out)]
        depth += 1
    return out


def _cells(points: list[Any], width: int, height: int) -> npt.NDArray[np.int64]:
    """The 8 x 8 grid cell of each keypoint."""
    if not points:
        return np.zeros(0, dtype=np.int64)
    xy = np.array([p.pt for p in points], dtype=np.float64)
    gx = np.clip((xy[:, 0] * _GRID / max(1, width)).astype(np.int64), 0, _GRID - 1)
    gy = np.clip((xy[:, 1] * _GRID / max(1, height)).astype(np.int64), 0, _GRID - 1)
    return gy * _GRID + gx


def _cell_mask(cells: npt.NDArray[np.int64], width: int, height: int) -> npt.NDArray[np.uint8]:
    mask = np.zeros((height, width), dtype=np.uint8)
    for cell in cells.tolist():
        gy, gx = divmod(cell, _GRID)
        x0, x1 = gx * width // _GRID, (gx + 1) * width // _GRID
        y0, y1 = gy * height // _GRID, (gy + 1) * height // _GRID
        mask[y0:y1, x0:x1] = 255
    return mask


def _replace_sparse(
    points: list[Any], found: list[Any], sparse: npt.NDArray[np.int64], width: int, height: int
) -> list[Any]:
    """In each sparse cell, the lower threshold's corners (a superset, scored alike) replace
    the higher threshold's when they are more."""
    old_cells, new_cells = _cells(points, width, height), _cells(found, width, height)
    old = np.bincount(old_cells, minlength=_GRID * _GRID)
    new = np.bincount(new_cells, minlength=_GRID * _GRID)
    replaced = np.zeros(_GRID * _GRID, dtype=bool)
    replaced[sparse] = new[sparse] >= old[sparse]
    keep_old = np.flatnonzero(~replaced[old_cells]).tolist()
    take_new = np.flatnonzero(replaced[new_cells]).tolist()
    return [points[i] for i in keep_old] + [found[i] for i in take_new]


def extract_features(
    image: Image.Image,
    keypoints: int,
    max_side: int,
    min_keypoints: int = 150,
    min_side: int = 0,
) -> LocalFeatures | None:
    """ORB features of an image, or ``None`` when it has too little texture to describe.

    A smooth picture gives few corners at ORB's usual FAST threshold; detection is repeated at
    lower thresholds until ``min_keypoints`` (or the most found) are there. The same holds per
    cell of the 8 x 8 grid: where a cell has under its share of the keypoints, detection is
    repeated at the lower thresholds inside the sparse cells only, so a caption, a logo or a
    watermark's hard-edged text cannot stand in for the picture's own fainter corners (which
    the reference, without the text, was described by). Keypoints are over-detected and then
    spread over the picture (:func:`_spread`). An image smaller than ``min_side`` (a
    thumbnail) is first enlarged to it: ORB leaves a 31-pixel border and reads 31-pixel
    patches, which on a thumbnail would miss most of the picture.
    """
    gray = _gray(image, max_side, min_side)
    height, width = gray.shape
    quota = max(2, keypoints // (2 * _GRID * _GRID))
    points: list[Any] = []
    for number, threshold in enumerate(_FAST_THRESHOLDS):
        orb = cv2.ORB.create(nfeatures=_OVERSAMPLE * keypoints, fastThreshold=threshold)
        if number == 0:
            points = list(orb.detect(gray, None))
            continue
        counts = np.bincount(_cells(points, width, height), minlength=_GRID * _GRID)
        sparse = np.flatnonzero(counts < quota)
        if len(points) < min(min_keypoints, keypoints):
            sparse = np.arange(_GRID * _GRID)  # too few overall: the whole picture
        elif not sparse.size:
            break
        found = list(orb.detect(gray, _cell_mask(sparse, width, height)))
        points = _replace_sparse(points, found, sparse, width, height)
    points = _spread(points, keypoints, width, height)
    if len(points) < 8:
        return None
    kept, desc = cv2.ORB.create().compute(gray, points)
    if desc is None or len(kept) < 8:
        return None
    xy = np.array([p.pt for p in kept], dtype=np.float32)
    return LocalFeatures(xy, np.ascontiguousarray(desc, dtype=np.uint8), width, height)


# A fit that shrinks the reference below an eighth of its size collapses it onto a few pixels,
# where the reprojection tolerance lets unrelated points agree; such fits are noise.
_MIN_SCALE = 0.125
_MAX_SCALE = 20.0


def _plausible(fit: object, width: int = 1, height: int = 1) -> bool:
    """Reject degenerate or wildly distorting fits that RANSAC can find in noise: mirrored,
    collapsed, stretched more than 2.5 times one way than the other, or with a perspective
    that changes the scale by more than half across the reference (``width`` x ``height``)."""
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
    if not _MIN_SCALE <= scale <= _MAX_SCALE:
        return False
    singular = np.linalg.svd(affine, compute_uv=False)
    if singular[0] > 2.5 * singular[1]:
        return False
    tilt = abs(float(homography[2, 0])) * width + abs(float(homography[2, 1])) * height
    return (
        abs(float(homography[2, 0])) < 0.01 and abs(float(homography[2, 1])) < 0.01 and tilt < 0.5
    )


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

    def __contains__(self, reference_id: object) -> bool:
        with self._lock:
            return reference_id in self._features

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

    def verify(
        self,
        query: LocalFeatures,
        allowed: set[int] | None = None,
        prefer: tuple[int, ...] = (),
    ) -> list[Verified]:
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
            if count >= max(4, self.limits.min_inliers // 2) and (allowed is None or ref in allowed)
        ][: self.limits.max_candidates]
        # ``prefer``: references a near hash hit points at, always checked.
        candidates = list(dict.fromkeys([*prefer, *candidates]))
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
        """The geometric check of one candidate; ``None`` when it fails the limits."""
        found = measure(ref, features, query, self.limits)
        if found is None or not accepted(found, self.limits):
            return None
        return found


def accepted(found: Verified, limits: VerifyLimits) -> bool:
    return (
        found.inliers >= limits.min_inliers
        and found.evidence >= limits.min_evidence
        and found.cells >= limits.min_cells
        and found.coverage >= limits.min_coverage
    )


def _fit(
    src: npt.NDArray[np.float32], dst: npt.NDArray[np.float32], pixels: float, size: tuple[int, int]
) -> npt.NDArray[np.bool_] | None:
    """Inliers of the best plausible fit: a similarity (turn, uniform scale, shift) first,
    which is what re-uploads do and which noise rarely fits; a homography (a photo of a
    screen) only when it explains clearly more matches."""
    best: npt.NDArray[np.bool_] | None = None
    matrix, mask = cv2.estimateAffinePartial2D(
        src, dst, method=cv2.RANSAC, ransacReprojThreshold=pixels, maxIters=2000
    )
    if matrix is not None and mask is not None:
        affine = np.asarray(matrix, dtype=np.float64)
        scale = float(np.linalg.det(affine[:, :2])) ** 0.5 if np.all(np.isfinite(affine)) else 0
        if _MIN_SCALE <= scale <= _MAX_SCALE:
            best = mask.ravel().astype(bool)
    if len(src) >= 8:
        homography, hmask = cv2.findHomography(src, dst, cv2.RANSAC, pixels, maxIters=2000)
        if hmask is not None and _plausible(homography, *size):
            hbest = hmask.ravel().astype(bool)
            if best is None or hbest.sum() > 1.25 * best.sum():
                best = hbest
    return best


def measure(
    ref: int, features: LocalFeatures, query: LocalFeatures, limits: VerifyLimits
) -> Verified | None:
    """Ratio-tested matches of a reference in a query and their best geometric fit."""
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(features.descriptors, query.descriptors, k=2)
    good = [
        m[0]
        for m in pairs
        if len(m) == 2
        and m[0].distance <= limits.max_descriptor_distance
        and m[0].distance < limits.ratio * m[1].distance
    ]
    if len(good) < max(4, limits.min_inliers):
        return None  # too few to reach the inlier floor: no fit is worth its cost
    src = np.ascontiguousarray(features.points[[m.queryIdx for m in good]], dtype=np.float32)
    dst = np.ascontiguousarray(query.points[[m.trainIdx for m in good]], dtype=np.float32)
    inliers = _fit(src, dst, limits.reprojection_pixels, (features.width, features.height))
    if inliers is None or inliers.sum() < 3:
        return None
    points = src[inliers]
    area = float(cv2.contourArea(cv2.convexHull(points))) if len(points) >= 3 else 0.0
    coverage = area / max(1.0, float(features.width * features.height))
    gx = np.clip((points[:, 0] * _GRID / max(1, features.width)).astype(np.int64), 0, _GRID - 1)
    gy = np.clip((points[:, 1] * _GRID / max(1, features.height)).astype(np.int64), 0, _GRID - 1)
    cells = len(np.unique(gy * _GRID + gx))
    return Verified(ref, int(inliers.sum()), len(good), cells, min(1.0, coverage))
