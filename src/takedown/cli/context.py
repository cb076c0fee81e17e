"""Turning the command line's options into settings and a runtime."""

from __future__ import annotations

from typing import Any

import click
from pydantic import ValidationError

from takedown.config import Settings, load_settings
from takedown.pipeline.runtime import Runtime


def settings_from(ctx: click.Context, **overrides: Any) -> Settings:
    home = (ctx.find_root().obj or {}).get("home")
    try:
        return load_settings(home=home, **overrides)
    except (ValidationError, ValueError) as exc:
        raise click.ClickException(f"invalid settings: {exc}") from exc


def runtime_from(ctx: click.Context, **overrides: Any) -> Runtime:
    return Runtime(settings_from(ctx, **overrides))
