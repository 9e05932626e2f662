"""Numbers for people, and an evidence card that leads with its verdicts (issue #19).

Oracles: values worked by hand; on the page, the evidence as recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ombud.records import Verdict
from ombud.services.context import AppContext
from ombud.services.evidence import Evidence
from ombud.services.supplier import attach_evidence
from ombud.web._evidence_view import METRIC_ROWS, evidence_card, metric_rows
from ombud.web._filters import format_metric, format_number

from ._seed import Seeded

Login = Callable[[str], tuple[TestClient, str]]


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("fairness.rows", 6172.0, "6172"),  # a count in full, never 6.17e+03
        ("redteam.overall.attempts", 1234567.0, "1234567"),
        ("fairness.race.fpr.ratio_min", 0.553219, "0.553"),
        ("fairness.race.fpr.ratio_min.lower", 1.0, "1.00"),  # beside 0.553: same precision
        ("fairness.race.fpr.ratio_min", 1.23456, "1.23"),
        ("fairness.overall.selection_rate", 0.25123, "25.1%"),
        ("fairness.overall.accuracy", 1.0, "100%"),
        ("redteam.prompt_injection.attack_success_rate", 0.25, "25.0%"),
        ("redteam.overall.attack_success_rate.upper", 0.0312, "3.12%"),
        ("fairness.sex.fpr.difference_max", 0.153, "15.3 pp"),
        ("fairness.sex.fpr.difference_max.lower", 0.0, "0 pp"),
        ("fairness.overall.roc_auc", 0.71234, "0.712"),
        ("fairness.overall.brier", 0.000123456, "0.000123"),
        ("monitor.psi", 12345.67, "12346"),
        ("fairness.race.fpr.ratio_min", float("nan"), "—"),
    ],
)
def test_a_metric_reads_as_people_read_it(name: str, value: float, shown: str) -> None:
    assert format_metric(value, name) == shown


def test_plain_numbers() -> None:
    assert format_number(None) == "—"
    assert format_number(3) == "3"
    assert format_number(6172.0) == "6172"
    assert format_number(0.5) == "0.500"
    assert format_number(-0.04567) == "-0.0457"
    assert format_number(float("inf")) == "∞"
    assert "e" not in format_number(98765.4321)


def test_interval_ends_fold_into_their_metric_row() -> None:
    rows = metric_rows(
        {
            "b.ratio_min": 0.9,
            "b.ratio_min.lower": 0.8,
            "b.ratio_min.upper": 1.0,
            "a.rows": 10.0,
            "c.orphan.lower": 0.1,
        }
    )
    assert [(r["name"], r["lower"], r["upper"]) for r in rows] == [
        ("a.rows", None, None),
        ("b.ratio_min", 0.8, 1.0),
        ("c.orphan.lower", None, None),  # an end without its metric keeps its own row
    ]
    deep = metric_rows({"f.g.fpr.ratio_min": 1.0, "f.rows": 2.0, "f.overall.accuracy": 0.9})
    assert [r["name"] for r in deep] == ["f.rows", "f.overall.accuracy", "f.g.fpr.ratio_min"]


def test_a_card_counts_its_verdicts_and_lists_the_worst_first() -> None:
    card = evidence_card(
        Evidence(
            id=1,
            system_id="s",
            version="1.0",
            kind="fairness_audit",
            summary="",
            engine="e",
            engine_version="1",
            metrics={"f.a.rule": 0.6, "f.a.rule.lower": 0.5, "f.a.rule.upper": 0.7},
            verdicts={
                "f.a.rule": "fail",
                "f.b.rule": {"verdict": "concern"},
                "f.c.rule": "pass",
            },
            parameters={},
            inputs=(),
            artifacts=(),
            created_by="omar",
            created_at="2026-12-03T00:00:00+00:00",
            expires_at=None,
        )
    )
    assert card["verdict_counts"] == {"fail": 1, "concern": 1, "pass": 1}
    assert [(a["rule"], a["verdict"]) for a in card["attention"]] == [
        ("f.a.rule", "fail"),
        ("f.b.rule", "concern"),
    ]
    assert (card["attention"][0]["lower"], card["attention"][0]["upper"]) == (0.5, 0.7)
    assert [b["label"] for b in card["verdict_bars"]] == ["fail", "concern", "pass"]


def test_the_page_summarises_verdicts_and_keeps_metrics_one_click_away(
    as_user: Login, seeded: Seeded, context: AppContext, tmp_path: Path
) -> None:
    report = tmp_path / "audit.txt"
    report.write_text("a wide audit\n", encoding="utf-8")
    metrics = {"fairness.rows": 6172.0, "fairness.overall.selection_rate": 0.25123}
    for k in range(METRIC_ROWS + 10):  # more than the page lists, each with an interval
        base = f"fairness.g{k:03d}.fpr.ratio_min"
        metrics |= {base: 0.9, f"{base}.lower": 0.8, f"{base}.upper": 1.0}
    verdicts = {
        "fairness.g000.fpr_parity": Verdict.FAIL,
        "fairness.g001.fpr_parity": Verdict.CONCERN,
        "fairness.g002.fpr_parity": Verdict.PASS,
        "fairness.g003.fpr_parity": Verdict.PASS,
    }
    record = attach_evidence(
        context,
        context.actor("omar"),
        seeded.blocked_system,
        "1.0.0",
        kind="fairness_audit",
        file=report,
        summary="wide audit",
        metrics=metrics,
        verdicts=verdicts,
    )
    client, _ = as_user("lena")
    page = client.get(f"/systems/{seeded.blocked_system}").text
    card = re.search(
        rf'<details class="card" id="evidence-{record.id}" open>(.*?)</details>'
        r'\s*<details class="card"',
        page,
        re.S,
    )
    assert card, "a card with a failing rule opens by itself"
    body = card.group(1)
    assert "Verdicts of its 4 rules" in body
    assert re.search(r'badge-fail">fail</span>&thinsp;×1', body)
    assert re.search(r'badge-pass">pass</span>&thinsp;×2', body)
    attention = re.search(r'<table class="attention stack">(.*?)</table>', body, re.S)
    assert attention
    assert attention.group(1).index("g000") < attention.group(1).index("g001")
    assert "g002" not in attention.group(1)  # a passing rule is counted, not listed
    full = re.search(
        r'<details class="all-metrics"><summary>All (\d+) metrics</summary>(.*?)</details>',
        body,
        re.S,
    )
    assert full, "the full table is collapsed"
    assert int(full.group(1)) == METRIC_ROWS + 12
    assert full.group(2).count("<tr><td>") == METRIC_ROWS
    assert f"ombud evidence show {record.id}" in full.group(2)
    assert "<td>6172</td>" in full.group(2)
    assert "e+03" not in page
    assert "<td>25.1%</td>" in full.group(2)
