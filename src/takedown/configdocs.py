"""The configuration reference, generated from :class:`~takedown.config.Settings` (each field,
its environment variable, type, default and the comment above it in ``config.py``)."""

from __future__ import annotations

import inspect
import re
from typing import Any

from pydantic_core import PydanticUndefined

from takedown.config import SECRET_FIELDS, Settings

HEADER = """# Configuration reference

Generated from `takedown.config.Settings` by `takedown config docs` (a test keeps it true):
do not edit by hand. Every setting is an environment variable (`TAKEDOWN_` + the name in
capitals) or a key of `takedown.toml` in the data directory; the environment wins. Secrets
marked *file* may also come from `TAKEDOWN_<NAME>_FILE` (a path) or a systemd credential
named `<name>` (`LoadCredential=`, read from `$CREDENTIALS_DIRECTORY`).

| variable | type | default | meaning |
|---|---|---|---|
"""


def _comments() -> dict[str, str]:
    """The ``#`` comment above each field; one comment covers the fields right below it."""
    out: dict[str, str] = {}
    pending: list[str] = []
    current = ""
    for line in inspect.getsource(Settings).splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            pending.append(stripped.lstrip("# ").strip())
            continue
        if pending:
            current, pending = " ".join(pending), []
        found = re.match(r"^(\w+):", stripped)
        if found and line.startswith("    ") and not line.startswith("     "):
            if current:
                out[found.group(1)] = current
        elif not stripped or stripped.startswith(("@", "def ", "model_config")):
            current = ""
    return out


def _default(value: Any) -> str:
    if value is PydanticUndefined or value is None:
        return "none"
    if value in ("", []):
        return "empty"
    return f"`{value}`"


def _type(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) or str(annotation)
    return text.replace("typing.", "").replace("pydantic.types.", "").replace("|", "or")


def render() -> str:
    notes = _comments()
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
        meaning = notes.get(name, "")
        if name in SECRET_FIELDS:
            meaning = (meaning + " (*file*)").strip()
        cell = meaning.replace("|", "\\|")
        rows.append(
            f"| `TAKEDOWN_{name.upper()}` | {_type(field.annotation)} | {_default(default)} | {cell} |"
        )
    return HEADER + "\n".join(rows) + "\n"
