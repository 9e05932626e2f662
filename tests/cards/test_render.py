"""Rendering: schema-valid JSON for every document, escaped HTML, a PDF that is not blank."""

from __future__ import annotations

import copy
import io
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ombud.cards import (
    CardError,
    Document,
    SystemRecord,
    annex_iv,
    model_card,
    render,
    render_html,
    render_markdown,
    render_pdf,
    system_card,
    validate_document,
)

BUILDERS = {"model": model_card, "system": system_card, "annex_iv": annex_iv}


@pytest.mark.parametrize("which", sorted(BUILDERS))
def test_every_document_json_is_valid_against_the_shipped_schema(
    record: SystemRecord, which: str
) -> None:
    document: Document = BUILDERS[which](record)
    data = json.loads(render(document, "json"))
    validate_document(data)
    assert data["document"] == document.kind


def test_the_schema_rejects_a_filled_field_without_its_source(record: SystemRecord) -> None:
    data = model_card(record).to_dict()
    broken = copy.deepcopy(data)
    broken["sections"][0]["fields"][0]["source"] = ""
    with pytest.raises(CardError, match="sections/0/fields/0"):
        validate_document(broken)
    no_section = copy.deepcopy(data)
    no_section["sections"] = [s for s in data["sections"] if s["id"] != "factors"]
    with pytest.raises(CardError):
        validate_document(no_section)


def test_user_text_is_escaped_in_html_and_neutralised_in_markdown() -> None:
    hostile = SystemRecord(
        "x", "1", {"name": "<script>alert(1)</script>", "purpose": "a | b", "owner": "o"}
    )
    html = render_html(model_card(hostile))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    markdown = render_markdown(model_card(hostile))
    assert "<script>" not in markdown.split("---\n", 2)[2]


def test_html_is_self_contained(record: SystemRecord) -> None:
    html = render_html(model_card(record))
    assert "<style>" in html
    assert "<svg" in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html


def test_pdf_first_page_is_not_blank(record: SystemRecord) -> None:
    """Oracle: pypdfium2 (PDFium) rasterises the page WeasyPrint wrote."""
    pdfium = pytest.importorskip("pypdfium2")
    pdf = render_pdf(model_card(record))
    assert pdf.startswith(b"%PDF")
    page = pdfium.PdfDocument(io.BytesIO(pdf))[0]
    pixels = np.asarray(page.render(scale=1).to_pil().convert("L"))
    dark = (pixels < 128).mean()
    assert 0.005 < dark < 0.5, f"share of dark pixels {dark:.4f}"


def test_unknown_format_is_refused(record: SystemRecord) -> None:
    with pytest.raises(CardError, match="md, html, pdf, json"):
        render(model_card(record), "docx")


@settings(max_examples=60, deadline=None)
@given(name=st.text(min_size=1, max_size=40).filter(str.strip), purpose=st.text(max_size=40))
def test_no_user_text_can_open_a_tag(name: str, purpose: str) -> None:
    """Property: whatever the inventory holds, no '<' of it reaches HTML or the Markdown body
    unescaped (the templates' own tags are the only ones)."""
    record = SystemRecord("x", "1", {"name": name, "purpose": purpose + "<b>", "owner": "o"})
    document = model_card(record)
    body = render_markdown(document).split("\n---\n", 1)[1]
    assert "<" not in body
    html = render_html(document)
    assert "<b>" not in html
