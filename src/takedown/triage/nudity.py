"""Nudity signal: NudeNet's ONNX region detector, with a summary per label family.

NudeNet reports regions (faces, covered and exposed body parts) with scores. The summary keeps
the highest score per family and an ``exposure_score``: the highest score among the exposed
labels that matter for intimate imagery. It is a signal to order the queue, never a verdict.
"""

from __future__ import annotations

import importlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

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
from takedown.triage.images import Prepared

# The exposed labels that count towards the exposure score. Exposed feet, armpits, belly and a
# male chest are ordinary in benign photos and would only add noise to the queue order.
SENSITIVE = frozenset(
    {
        "FEMALE_BREAST_EXPOSED",
        "FEMALE_GENITALIA_EXPOSED",
        "MALE_GENITALIA_EXPOSED",
        "BUTTOCKS_EXPOSED",
        "ANUS_EXPOSED",
    }
)
FACE_LABELS = frozenset({"FACE_FEMALE", "FACE_MALE"})


def family(label: str) -> str:
    """``FEMALE_BREAST_EXPOSED`` -> ``female_breast``; ``FACE_MALE`` -> ``face``."""
    if label in FACE_LABELS:
        return "face"
    for suffix in ("_EXPOSED", "_COVERED"):
        if label.endswith(suffix):
            return label.removesuffix(suffix).lower()
    return label.lower()


@dataclass(frozen=True, slots=True)
class Region:
    """One region NudeNet found: its label, score (0-1) and box in submitted coordinates."""

    label: str
    score: float
    box: Box


@dataclass(frozen=True, slots=True)
class NuditySummary:
    """Highest score per family, split by exposed and covered, and the exposure score."""

    exposure_score: float
    exposed: dict[str, float] = field(default_factory=dict)
    covered: dict[str, float] = field(default_factory=dict)
    faces: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, regions: list[Region]) -> NuditySummary:
        exposed: dict[str, float] = {}
        covered: dict[str, float] = {}
        faces: dict[str, float] = {}
        for region in regions:
            if region.label in FACE_LABELS:
                target = faces
                key = region.label
            else:
                target = exposed if region.label.endswith("_EXPOSED") else covered
                key = family(region.label)
            target[key] = max(target.get(key, 0.0), region.score)
        score = max((r.score for r in regions if r.label in SENSITIVE), default=0.0)
        return cls(exposure_score=score, exposed=exposed, covered=covered, faces=faces)


@dataclass(frozen=True, slots=True)
class NudityResult:
    """What :class:`NudityClassifier` returns for one image."""

    model: ModelInfo
    regions: list[Region]
    summary: NuditySummary
    elapsed_ms: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class NudityConfig:
    """``threads`` for ONNX Runtime (one keeps a worker to one core); ``min_score`` filters
    regions beyond NudeNet's own 0.2 floor."""

    threads: int = 1
    min_score: float = 0.2


class NudityClassifier:
    """NudeNet 3.4 (``320n.onnx``, bundled with the package) as a :class:`Classifier`."""

    name = "nudenet"
    returns = NudityResult

    def __init__(self, config: NudityConfig | None = None, budget: Budget | None = None) -> None:
        self.config = config or NudityConfig()
        self.budget = budget or Budget()
        self.version = f"{dist_version('nudenet')}+320n"
        self._model: Lazy[Any] = Lazy(self._build)

    def _build(self) -> Any:
        require("nudenet")
        try:
            import nudenet
        except ImportError as exc:  # installed but broken (e.g. a missing shared library)
            raise TriageUnavailableError(f"nudenet ({exc})") from exc
        # onnxruntime ships no type information; Any is what it is to mypy either way.
        onnxruntime = importlib.import_module("onnxruntime")

        detector = nudenet.NudeDetector()
        # NudeNet opens its session with every core; a triage worker must stay on its share.
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.config.threads
        options.inter_op_num_threads = 1
        model_path = Path(nudenet.__file__).with_name("320n.onnx")
        detector.onnx_session = onnxruntime.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        return detector

    def load(self) -> None:
        self._model.get()

    def classify(self, image: Prepared) -> NudityResult:
        detector = self._model.get()
        deadline = Deadline(self.budget.seconds)
        # NudeNet was trained on what cv2.imread returns: BGR channel order.
        bgr = image.rgb[..., ::-1].copy()
        try:
            raw = detector.detect(bgr)
        except Exception as exc:  # ONNX Runtime and OpenCV raise many unrelated types
            raise TriageError(f"nudenet failed: {exc}") from exc
        regions = [
            Region(
                label=str(d["class"]),
                score=round(float(d["score"]), 4),
                box=Box(*(int(v) for v in d["box"])).scaled(image.scale),
            )
            for d in raw
            if float(d["score"]) >= self.config.min_score
        ]
        regions.sort(key=lambda r: r.score, reverse=True)
        return NudityResult(
            model=ModelInfo(self.name, self.version),
            regions=regions,
            summary=NuditySummary.of(regions),
            elapsed_ms=round(deadline.elapsed_ms, 1),
        )
