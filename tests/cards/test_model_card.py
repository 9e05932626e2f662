"""The model card: sections of Mitchell et al., per-group numbers with intervals, gaps named."""

from __future__ import annotations

import base64
import dataclasses
import re
from collections.abc import Callable

import pandas as pd
import pytest
import yaml

from ombud.cards import SystemRecord, model_card, render_json, render_markdown


def test_model_card_golden(record: SystemRecord, check_golden: Callable[[str, str], None]) -> None:
    check_golden("model-card.md", render_markdown(model_card(record)))


def test_group_table_matches_an_independent_groupby(
    record: SystemRecord, loans: pd.DataFrame
) -> None:
    """Oracle: pandas groupby selection rate and row count on the audited frame."""
    frame = loans
    expected = frame.groupby("sex")["pred"].agg(["mean", "size"])
    document = model_card(record)
    section = next(s for s in document.sections if s.id == "quantitative_analyses")
    table = next(t for t in section.tables if t.title.startswith("By sex"))
    assert table.columns[:3] == ("group", "n", "selection_rate")
    for group, n, rate, *_ in table.rows:
        assert int(n) == expected.loc[group, "size"]
        estimate, lower, upper = map(float, re.findall(r"[0-9.]+", rate))
        assert estimate == pytest.approx(expected.loc[group, "mean"], abs=5e-4)
        assert lower <= estimate <= upper


def test_red_team_results_come_from_redteam_metrics(record: SystemRecord) -> None:
    section = next(s for s in model_card(record).sections if s.id == "redteam")
    assert section.tables[0].rows == (
        ("prompt_injection", "20", "0.100 [0.030, 0.300]"),
        ("overall", "20", "0.100 [0.030, 0.300]"),
    )


def test_a_category_whose_attempts_all_failed_shows_no_data(record: SystemRecord) -> None:
    """Issue #21: a category with attempts that all errored was left out (or read "nan")."""
    run = record.evidence[1]
    metrics = {**run.metrics, "redteam.jailbreak.attempts": 0.0, "redteam.jailbreak.errors": 6.0}
    changed = dataclasses.replace(
        record, evidence=(record.evidence[0], dataclasses.replace(run, metrics=metrics))
    )
    section = next(s for s in model_card(changed).sections if s.id == "redteam")
    assert ("jailbreak", "0", "no data") in section.tables[0].rows
    assert not re.search(r"\bnan\b", render_markdown(model_card(changed)), re.I)


def test_a_system_with_no_evidence_still_gets_a_card_naming_each_missing_part() -> None:
    bare = SystemRecord("bare", "0.1", {"name": "Bare", "purpose": "p", "owner": "o"})
    document = model_card(bare)
    missing = {f.id: f for f in document.missing}
    for part in (
        "factors.groups",
        "quantitative_analyses.by_group",
        "redteam.results",
        "evaluation_data.datasets",
        "governance.gate",
        "governance.review",
    ):
        assert part in missing
        assert missing[part].how_to_fill
    assert document.completeness.score < 0.5
    text = render_markdown(document)
    assert "**Demographic groups evaluated:** **MISSING**: run a fairness audit" in text
    render_json(document)  # still schema-valid


def test_front_matter_is_hugging_face_style_yaml(record: SystemRecord) -> None:
    text = render_markdown(model_card(record))
    assert text.startswith("---\n")
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["model_name"] == "Loan pre-screening"
    results = front["model-index"][0]["results"][0]
    assert {m["type"] for m in results["metrics"]} == {"selection_rate"}


def test_markdown_embeds_the_interval_chart_as_an_svg_image(record: SystemRecord) -> None:
    """Oracle: the decoded image is the SVG the HTML embeds inline."""
    text = render_markdown(model_card(record))
    match = re.search(r"\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", text)
    assert match is not None
    svg = base64.b64decode(match.group(1)).decode()
    assert svg.startswith("<svg")
    assert "selection_rate by sex" in svg
