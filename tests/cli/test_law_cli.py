"""The CLI after the law moved: re-classification, --as-of, bad input, amendment impact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.conftest import Invoke

MANIFEST = """\
id: spam-filter
name: Spam filter
purpose: Sorts incoming mail
owner: olivia
owner_team: it
domain: internal_productivity
kind: decision_model
operator_role: provider
automation: fully_automated
deployment_regions: [DE]
data_categories: [personal_data]
affected_people: [employees]
"""


@pytest.fixture
def ws(invoke: Invoke, tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    assert invoke("init", str(root), "--admin", "ada").code == 0
    assert (
        invoke("-w", str(root), "--as", "ada", "user", "add", "olivia", "--role", "owner").code == 0
    )
    manifest = tmp_path / "system.yaml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    assert (
        invoke("-w", str(root), "--as", "olivia", "system", "register", "-f", str(manifest)).code
        == 0
    )
    return root


def _answers(tmp_path: Path, text: str) -> str:
    path = tmp_path / "answers.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _classify(invoke: Invoke, ws: Path, *args: str) -> object:
    return invoke(
        "-w", str(ws), "--as", "olivia", "classify", "spam-filter", "--no-interactive", *args
    )


def _records(invoke: Invoke, ws: Path) -> int:
    shown = invoke(
        "-w", str(ws), "--as", "olivia", "audit-log", "show", "--action", "system.classify"
    )
    return shown.out.count("system.classify")


def test_reclassifying_into_another_category_renders_the_change(
    invoke: Invoke, ws: Path, tmp_path: Path
) -> None:
    assert (
        _classify(invoke, ws, "--answers", _answers(tmp_path, "exclusive_purpose: none\n")).code
        == 0
    )
    military = _answers(tmp_path, "exclusive_purpose: military_defence_national_security\n")
    result = _classify(invoke, ws, "--answers", military)
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    assert "category: minimal_risk -> out_of_scope" in result.out


def test_answers_of_the_wrong_shape_exit_2_in_one_line(
    invoke: Invoke, ws: Path, tmp_path: Path
) -> None:
    result = _classify(invoke, ws, "--answers", _answers(tmp_path, "annex_iii_area: true\n"))
    assert result.code == 2
    assert result.err.strip().count("\n") == 0
    assert "annex_iii_area" in result.err


def test_contradicting_answers_are_refused_naming_both(
    invoke: Invoke, ws: Path, tmp_path: Path
) -> None:
    before = _records(invoke, ws)
    text = "generates_synthetic_content: false\ndeep_fake: true\n"
    result = _classify(invoke, ws, "--answers", _answers(tmp_path, text))
    assert result.code == 2
    assert "'deep_fake: true' contradicts 'generates_synthetic_content: false'" in result.err
    assert _records(invoke, ws) == before


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--as-of", "2024-07-31"), "before the EU AI Act entered into force (2024-08-01)"),
        (("--as-of", "next week"), "is not a date; write it as YYYY-MM-DD"),
        (("--catalog-version", "2099.1"), "available: 2024.1, 2026.1"),
    ],
)
def test_bad_dates_and_versions_exit_2_in_one_line(
    invoke: Invoke, ws: Path, args: tuple[str, ...], fragment: str
) -> None:
    before = _records(invoke, ws)
    result = _classify(invoke, ws, *args)
    assert result.code == 2
    assert fragment in result.err
    assert result.err.strip().count("\n") == 0
    assert _records(invoke, ws) == before


def test_as_of_splits_obligations_in_force_and_upcoming(
    invoke: Invoke, ws: Path, tmp_path: Path
) -> None:
    text = "annex_iii_area: [employment]\nannex_iii_employment: [recruitment_selection]\n"
    answers = _answers(tmp_path, text)
    eve = json.loads(
        _classify(invoke, ws, "--answers", answers, "--as-of", "2027-12-01", "--json").out
    )
    assert eve["classification"]["catalog_version"] == "2026.1"
    upcoming = {o["id"]: o["days_left"] for o in eve["obligations_on"]["upcoming"]}
    assert upcoming["art_9"] == 1
    day = json.loads(_classify(invoke, ws, "--as-of", "2027-12-02", "--json").out)
    assert "art_9" in {o["id"] for o in day["obligations_on"]["in_force"]}
    shown = invoke(
        "-w", str(ws), "--as", "olivia", "system", "show", "spam-filter", "--as-of", "2027-12-01"
    )
    assert "upcoming (1 days left)" in shown.out


def test_amendment_impact_json_html_and_apply(invoke: Invoke, ws: Path, tmp_path: Path) -> None:
    text = "generates_synthetic_content: true\nsynthetic_content_assistive_only: false\n"
    assert (
        _classify(
            invoke, ws, "--answers", _answers(tmp_path, text), "--catalog-version", "2024.1"
        ).code
        == 0
    )
    base = (
        "-w",
        str(ws),
        "--as",
        "ada",
        "compliance",
        "amendment-impact",
        "--from",
        "2024.1",
        "--to",
        "2026.1",
    )
    report = json.loads(invoke(*base, "--json").out)
    (system,) = report["systems"]
    assert system["system_id"] == "spam-filter"
    assert "intimate_or_csam_output" in system["missing_questions"]
    page = tmp_path / "impact.html"
    assert invoke(*base, "--html", "-o", str(page)).code == 0
    assert "intimate_or_csam_output" in page.read_text(encoding="utf-8")
    applied = invoke(*base, "--apply")
    assert applied.code == 0, applied.err
    assert "recorded 1 classification(s) under 2026.1" in applied.out


def test_gate_as_of_lists_duties_not_yet_in_force(invoke: Invoke, ws: Path, tmp_path: Path) -> None:
    base = ("-w", str(ws), "--as", "olivia")
    assert invoke(*base, "system", "version", "add", "spam-filter", "1.0").code == 0
    text = "annex_iii_area: [employment]\nannex_iii_employment: [recruitment_selection]\n"
    assert _classify(invoke, ws, "--answers", _answers(tmp_path, text)).code == 0
    gate = invoke(
        *base, "gate", "check", "spam-filter", "--format", "json", "--as-of", "2027-12-01"
    )
    result = json.loads(gate.out)
    upcoming = {o["id"]: o["days_left"] for o in result["upcoming_obligations"]}
    assert upcoming["art_9"] == 1
    assert "art_9" not in result["obligations_in_force"]
    later = invoke(
        *base, "gate", "check", "spam-filter", "--format", "json", "--as-of", "2027-12-02"
    )
    assert "art_9" in json.loads(later.out)["obligations_in_force"]
    bad = invoke(*base, "gate", "check", "spam-filter", "--as-of", "2024-01-01")
    assert bad.code == 2
