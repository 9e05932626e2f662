"""Coverage as one self-contained HTML page (inline CSS, no scripts, works offline).

Auditors and legal read coverage in a browser or attach it to a ticket; a single file
with nothing fetched at view time is the form that survives both.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

from jinja2 import Environment, select_autoescape

from ombud.compliance.control_catalogs.coverage import CoverageReport
from ombud.text import visible_value

__all__ = ["coverage_html"]


_ENV = Environment(
    autoescape=select_autoescape(default=True, default_for_string=True), finalize=visible_value
)


def coverage_html(reports: Sequence[CoverageReport], *, title: str) -> str:
    template = resources.files("ombud.compliance.control_catalogs").joinpath("data")
    text = template.joinpath("coverage.html.j2").read_text(encoding="utf-8")
    return _ENV.from_string(text).render(title=title, reports=reports)
