"""Web-form recipes: how to submit a request through one site's report form, kept as data.

One YAML or JSON file per site in ``webform_recipes_dir`` (default ``<home>/webforms``); an
administrator adds one without code. A recipe names the sites it serves, the form's URL, its
steps (fields to fill from the request, files to attach, the button that goes on), which step
submits, and how success looks. For example::

    sites: [report.example.com]
    url: https://report.example.com/abuse
    steps:
      - fill: {"#email": "{center_email}", "#urls": "{urls}"}
        click: "button.next"
        wait_for: "#details"
      - fill: {"#details": "{body}"}
        attach: {"input[type=file]": request}
        click: "button[type=submit]"
        submit: true
    success:
      selector: ".confirmation"
      contains: "received"
      number: "Report (?:ID|number)[: ]+([A-Z0-9-]+)"

Values are templates over the request's fields (:data:`FIELDS`); nothing else is substituted.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

# What a value may refer to, and what a file to attach may be.
FIELDS: tuple[str, ...] = (
    "subject",
    "body",
    "urls",
    "first_url",
    "media_urls",
    "legal_basis",
    "language",
    "center_name",
    "center_email",
    "center_phone",
    "center_address",
    "message_id",
)
FileKind = Literal["request"]  # the request itself, as a UTF-8 text file


class RecipeError(ValueError):
    """A recipe that cannot be used (said to the administrator, with the file's name)."""


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fill: dict[str, str] = Field(default_factory=dict)  # CSS selector -> template
    select: dict[str, str] = Field(default_factory=dict)  # <select> -> option value template
    check: list[str] = Field(default_factory=list)  # checkboxes to tick
    attach: dict[str, FileKind] = Field(default_factory=dict)  # file input -> what to attach
    click: str | None = None  # the button that goes on (or submits)
    wait_for: str | None = None  # a selector the next page shows
    submit: bool = False  # this step sends the report: screenshots before and after it

    @field_validator("fill", "select")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        for template in value.values():
            for _, name, _, _ in string.Formatter().parse(template):
                if name is not None and name not in FIELDS:
                    raise ValueError(f"unknown field {{{name}}}; known: {', '.join(FIELDS)}")
        return value


class Success(BaseModel):
    model_config = ConfigDict(extra="forbid")

    selector: str = "body"  # where the confirmation is shown
    contains: str | None = None  # text it must contain (case-insensitive)
    url_contains: str | None = None  # or a part of the final URL
    number: str | None = None  # a regex whose first group is the confirmation number

    @field_validator("number")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value


class Recipe(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    sites: list[str] = Field(min_length=1)
    url: str
    steps: list[Step] = Field(min_length=1, max_length=20)
    success: Success = Field(default_factory=Success)
    timeout_seconds: float = Field(60.0, gt=0, le=600)
    source: str = ""  # the file it came from (set on loading)

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("the form's url must be http:// or https://")
        return value

    @field_validator("steps")
    @classmethod
    def _one_submit(cls, value: list[Step]) -> list[Step]:
        if sum(1 for s in value if s.submit) > 1:
            raise ValueError("only one step submits")
        if not any(s.submit for s in value):
            value[-1] = value[-1].model_copy(update={"submit": True})  # the last one, by default
        return value

    def serves(self, site: str) -> bool:
        site = site.lower()
        return any(site == s.lower() or site.endswith("." + s.lower()) for s in self.sites)


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill a template with the request's values only (no attribute or index access)."""
    out: list[str] = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            out.append(values.get(name, ""))
    return "".join(out)


def load_recipe(path: Path) -> Recipe:
    try:
        text = path.read_text("utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        if not isinstance(data, dict):
            raise RecipeError(f"{path.name}: a recipe is a mapping")
        return Recipe.model_validate({**data, "source": path.name})
    except (OSError, ValueError, yaml.YAMLError, ValidationError) as exc:
        if isinstance(exc, RecipeError):
            raise
        raise RecipeError(f"{path.name}: {exc}") from exc


def load_recipes(folder: Path) -> list[Recipe]:
    """Every recipe in ``folder``; a broken file is an error naming it (nothing half-loaded)."""
    if not folder.is_dir():
        return []
    files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    return [load_recipe(p) for p in files]


def recipe_for(folder: Path, site: str) -> Recipe | None:
    return next((r for r in load_recipes(folder) if r.serves(site)), None)
