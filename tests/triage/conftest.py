"""Benign portraits for the triage tests, and a skip when the triage extra is missing.

Portraits: scikit-image's ``astronaut`` (Eileen Collins, NASA, public domain) and Matplotlib's
``grace_hopper.jpg`` (Grace Hopper, US Navy, public domain), the only photos of people with a
usable face that installable packages ship here. Nothing else is used, nor ever generated.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from takedown.triage import available
from takedown.triage.base import Registry


@pytest.fixture(autouse=True)
def _needs_extra(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("triage") is not None:
        ok, why = available()
        if not ok:
            pytest.skip(why)


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    data = pytest.importorskip("skimage.data")
    image: np.ndarray = data.astronaut()
    return image


@pytest.fixture(scope="session")
def hopper() -> np.ndarray:
    matplotlib = pytest.importorskip("matplotlib")
    path = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


@pytest.fixture(scope="session")
def no_face() -> np.ndarray:
    """A benign photo without a person (scikit-image's coffee cup)."""
    data = pytest.importorskip("skimage.data")
    image: np.ndarray = data.coffee()
    return image


@pytest.fixture(scope="session")
def models() -> Iterator[Registry]:
    """One registry for the session: each model loads once, as in a worker."""
    yield Registry()
