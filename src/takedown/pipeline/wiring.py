"""Which stages exist, in pipeline order. Each stage module exposes a `STAGE`-building function."""

from __future__ import annotations

from typing import TYPE_CHECKING

from takedown.pipeline.stages import poll

if TYPE_CHECKING:
    from takedown.pipeline.runtime import Runtime


def register_stages(rt: Runtime) -> None:
    for stage in (poll.stage(),):
        rt.add_stage(stage)
