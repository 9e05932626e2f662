"""Output side of issue #21: a record that still holds a NUL or a bidi override (written
before input refused them) shows them as visible ``\\uXXXX`` in every document format."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ombud.cards import SystemRecord, model_card, render_html, render_markdown
from ombud.cli.gate import junit_xml
from ombud.fairness import audit
from ombud.services.gates import GateCheck, GateEvaluation, GatePolicy

HOSTILE = "Loan\x00 \u202etxt.exe\u2066"


def _clean(text: str) -> None:
    for char in ("\x00", "\u202e", "\u2066"):
        assert char not in text


def test_cards_show_control_characters_visibly() -> None:
    record = SystemRecord("x", "1", {"name": HOSTILE, "purpose": "a\x1b[31mred", "owner": "o"})
    document = model_card(record)
    for text in (render_html(document), render_markdown(document)):
        _clean(text)
        assert "Loan\\u0000 \\u202Etxt.exe\\u2066" in text
        assert "\x1b" not in text


def test_the_fairness_report_shows_hostile_group_names_visibly() -> None:
    frame = pd.DataFrame(
        {
            "team": ["a\u202eb"] * 40 + ["plain"] * 40,
            "y": [0, 1] * 40,
            "yhat": [1, 1, 0, 0] * 20,
        }
    )
    html = audit(frame, label="y", prediction="yhat", sensitive="team", n_boot=0).to_html()
    assert "\u202e" not in html
    assert "a\\u202Eb" in html


def test_junit_xml_stays_well_formed() -> None:
    import xml.etree.ElementTree as ET

    result = GateEvaluation(
        evaluation_id=1,
        evaluated_by="ada",
        outcome="fail",
        system_id="x",
        version="1",
        tier=3,
        policy=GatePolicy("p", "1", "0" * 64),
        evaluated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        checks=(
            GateCheck(
                id="c1",
                category="fairness",
                outcome="fail",
                message=HOSTILE,
                evidence_ids=(),
                remedy="",
                cites=(),
            ),
        ),
        to_pass=("",),
        waived=(),
        requirements=None,
        obligations_in_force=(),
        upcoming_obligations=(),
    )
    xml = junit_xml(result)
    _clean(xml)
    parsed = ET.fromstring(xml.split("?>", 1)[1])
    assert parsed.find(".//failure") is not None
