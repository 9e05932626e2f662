"""Markdown, self-contained HTML, PDF and schema-checked JSON from one document.

Markdown keeps the Hugging Face layout (YAML front matter, then the body). HTML is one
file with inline CSS and inline SVG charts, escaped throughout, so it opens offline. PDF
is that HTML laid out by WeasyPrint.
"""

from __future__ import annotations

import base64
import importlib
import json
from functools import cache
from importlib import resources
from typing import Any

import jinja2
import jsonschema
import yaml

from ombud.cards._document import CardError, Document
from ombud.text import visible_value

__all__ = [
    "FORMATS",
    "document_schema",
    "render",
    "render_html",
    "render_json",
    "render_markdown",
    "render_pdf",
    "validate_document",
]

FORMATS = ("md", "html", "pdf", "json")


def _md(text: object) -> str:
    """User text inside Markdown: neutralise raw HTML (hubs render it) and line breaks."""
    return (
        str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")
    )


def _cell(text: object) -> str:
    return _md(text).replace("|", "\\|")


@cache
def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ombud.cards", "templates"),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        finalize=visible_value,  # a NUL or bidi override in an old record shows as \\uXXXX
    )
    env.filters["md"] = _md
    env.filters["cell"] = _cell
    env.filters["b64"] = lambda text: base64.b64encode(str(text).encode()).decode()
    return env


def _tier_text(document: Document) -> str:
    tier = document.completeness.tier
    return f"risk tier {tier}" if tier is not None else "tier 1 (the system is unclassified)"


def render_markdown(document: Document) -> str:
    front = yaml.safe_dump(
        dict(document.metadata), sort_keys=False, allow_unicode=True, default_flow_style=False
    )
    text = (
        _environment(False)
        .get_template("document.md.j2")
        .render(doc=document, front_matter=front, tier_text=_tier_text(document))
    )
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.rstrip("\n") + "\n"


def render_html(document: Document) -> str:
    template = _environment(True).get_template("document.html.j2")
    return template.render(doc=document, tier_text=_tier_text(document))


def render_pdf(document: Document) -> bytes:
    """PDF bytes; needs WeasyPrint and the Pango library it lays text out with."""
    try:  # optional and heavy: only PDF output loads it
        weasyprint = importlib.import_module("weasyprint")
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        raise CardError(
            f"PDF output needs WeasyPrint and Pango ({exc}); install them or use --format html"
        ) from exc
    pdf = weasyprint.HTML(string=render_html(document)).write_pdf()
    if not isinstance(pdf, bytes):
        raise CardError("WeasyPrint returned no PDF; check its installation")
    return pdf


@cache
def document_schema() -> dict[str, Any]:
    """The published JSON Schema every document's JSON form is valid against."""
    text = resources.files("ombud.cards").joinpath("schemas/document.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_document(data: Any) -> None:
    """Raise :class:`CardError` naming the first place where ``data`` breaks the schema."""
    validator = jsonschema.Draft202012Validator(document_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(root)"
        raise CardError(f"document JSON invalid at {where}: {first.message}")


def render_json(document: Document) -> str:
    data = document.to_dict()
    validate_document(data)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render(document: Document, fmt: str) -> bytes:
    """The document in ``fmt`` (one of :data:`FORMATS`) as bytes ready to write."""
    if fmt == "md":
        return render_markdown(document).encode()
    if fmt == "html":
        return render_html(document).encode()
    if fmt == "json":
        return render_json(document).encode()
    if fmt == "pdf":
        return render_pdf(document)
    raise CardError(f"unknown format '{fmt}'; use one of: {', '.join(FORMATS)}")
