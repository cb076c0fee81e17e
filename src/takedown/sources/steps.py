"""Browser steps a source runs before polling: log in, accept an age gate, wait for a page.

A source's ``steps`` is a small declarative list, each step one mapping with one action key::

    [{"goto": "https://board.example/login"},
     {"fill": "#user", "value": "{secret:user}"},
     {"fill": "#password", "value": "{secret:password}"},
     {"click": "button[type=submit]"},
     {"wait_for": ".board"},
     {"age_gate": "#enter"}]

``{secret:NAME}`` is replaced by the source's vault secret ``NAME`` when the step runs, never
before: a step as stored, listed or logged holds only the placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

__all__ = [
    "Action",
    "Step",
    "StepError",
    "StepPage",
    "parse_steps",
    "run_steps",
    "secret_names",
    "steps_to_json",
]

Action = Literal["goto", "fill", "click", "wait_for", "age_gate"]
ACTIONS: tuple[Action, ...] = ("goto", "fill", "click", "wait_for", "age_gate")
MAX_STEPS = 30
_SECRET = re.compile(r"\{secret:([A-Za-z0-9_.-]{1,64})\}")
# Buttons an age gate is accepted with when the step names no selector.
AGE_GATE_DEFAULT = (
    "button:has-text('18'), a:has-text('18'), button:has-text('Enter'), "
    "a:has-text('Enter'), button:has-text('Yes'), input[type=submit]"
)


class StepError(ValueError):
    """A step list that is malformed, or a step that failed when run (the message says which)."""


@dataclass(frozen=True)
class Step:
    """One action: ``target`` is a URL (goto) or a CSS selector; ``value`` what ``fill`` types."""

    action: Action
    target: str = ""
    value: str = ""

    def to_json(self) -> dict[str, str]:
        out: dict[str, str] = {self.action: self.target}
        if self.action == "fill":
            out["value"] = self.value
        return out

    def describe(self) -> str:
        """For logs and errors: never the filled value."""
        return f"{self.action} {self.target}".strip()


def parse_steps(raw: Sequence[Mapping[str, Any]] | None) -> tuple[Step, ...]:
    """Validate a step list from the API or the database; StepError says what is wrong."""
    steps: list[Step] = []
    for index, item in enumerate(raw or ()):
        if not isinstance(item, Mapping):
            raise StepError(f"step {index + 1}: must be an object")
        actions = [key for key in item if key in ACTIONS]
        extra = set(item) - set(ACTIONS) - {"value"}
        if len(actions) != 1 or extra:
            raise StepError(f"step {index + 1}: exactly one of {', '.join(ACTIONS)} expected")
        action = actions[0]
        target = str(item[action] or "").strip()
        value = str(item.get("value") or "")
        if action != "age_gate" and not target:
            raise StepError(f"step {index + 1}: {action} needs a target")
        if action == "goto" and not target.startswith(("http://", "https://")):
            raise StepError(f"step {index + 1}: goto needs an absolute http(s) URL")
        if action != "fill" and "value" in item:
            raise StepError(f"step {index + 1}: only fill takes a value")
        if len(target) > 2000 or len(value) > 2000:
            raise StepError(f"step {index + 1}: too long")
        steps.append(Step(action, target, value))
    if len(steps) > MAX_STEPS:
        raise StepError(f"at most {MAX_STEPS} steps")
    return tuple(steps)


def steps_to_json(steps: Sequence[Step]) -> list[dict[str, str]]:
    return [step.to_json() for step in steps]


def secret_names(steps: Sequence[Step]) -> set[str]:
    """The vault secrets the steps refer to."""
    return {name for step in steps for name in _SECRET.findall(step.value)}


def fill_in(value: str, secrets: Mapping[str, str]) -> str:
    """``{secret:NAME}`` replaced; a missing secret is a StepError naming it (not its value)."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in secrets:
            raise StepError(f"secret {name!r} is not set for this source")
        return secrets[name]

    return _SECRET.sub(one, value)


class StepPage(Protocol):
    """What the steps need of a browser page (Playwright's ``Page`` has all of it)."""

    async def goto(self, url: str, **kwargs: Any) -> Any: ...

    async def fill(self, selector: str, value: str, **kwargs: Any) -> None: ...

    async def click(self, selector: str, **kwargs: Any) -> None: ...

    async def wait_for_selector(self, selector: str, **kwargs: Any) -> Any: ...

    async def wait_for_load_state(self, state: Any = ..., **kwargs: Any) -> None: ...


async def run_steps(
    page: StepPage,
    steps: Sequence[Step],
    secrets: Mapping[str, str],
    *,
    timeout: float = 15.0,
    check_url: Callable[[str], Awaitable[None]] | None = None,
) -> None:
    """Run ``steps`` on ``page``; StepError names the failing step (never a secret)."""
    ms = timeout * 1000
    for index, step in enumerate(steps):
        label = f"step {index + 1} ({step.describe()})"
        try:
            if step.action == "goto":
                if check_url is not None:
                    await check_url(step.target)
                await page.goto(step.target, wait_until="load", timeout=ms)
            elif step.action == "fill":
                await page.fill(step.target, fill_in(step.value, secrets), timeout=ms)
            elif step.action == "click":
                await page.click(step.target, timeout=ms)
                await page.wait_for_load_state("load", timeout=ms)
            elif step.action == "wait_for":
                await page.wait_for_selector(step.target, timeout=ms)
            else:
                await page.click(step.target or AGE_GATE_DEFAULT, timeout=ms)
                await page.wait_for_load_state("load", timeout=ms)
        except StepError as exc:
            raise StepError(f"{label}: {exc}") from None
        except Exception as exc:  # Playwright's errors carry page text; keep the first line
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            for secret in secrets.values():
                if secret:
                    first = first.replace(secret, "***")
            raise StepError(f"{label} failed: {first[:300]}") from None
