"""Jinja2 environments for the report templates (templates/ beside this file).

HTML templates autoescape everything; the Markdown environment escapes Markdown's
special characters in every interpolated value except Markup (links to chart files)."""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from dagster_project.lib.reports import formatting

TEMPLATES = Path(__file__).parent / "templates"

_FILTERS = {
    "money": formatting.money,
    "quantity": formatting.quantity,
    "count": formatting.count,
    "percent": formatting.percent,
    "unit": formatting.unit,
}


def _markdown_finalize(value: object) -> object:
    return value if isinstance(value, Markup) else formatting.markdown_text(value)


@cache
def html_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    env.filters.update(_FILTERS)
    env.filters["data_uri"] = png_data_uri
    return env


@cache
def markdown_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=False, undefined=StrictUndefined,
        finalize=_markdown_finalize, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(_FILTERS)
    env.filters["link"] = Markup
    return env


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def render_html(template: str, **context: object) -> str:
    return html_environment().get_template(template).render(**context)


def render_markdown(template: str, **context: object) -> str:
    return markdown_environment().get_template(template).render(**context)
