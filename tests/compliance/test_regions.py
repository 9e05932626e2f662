"""Region codes: the shipped ISO 3166-1 table is the maintained one, and made-up codes fail."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from ombud.compliance import ClassificationInputError, load_questionnaire, validate_answers
from ombud.compliance.regions import country_codes, region_problem


def test_the_shipped_table_equals_the_iana_tz_copy_of_iso_3166_1() -> None:
    # tzdata (pinned in requirements/runtime.txt) ships the tz database's iso3166.tab.
    text = (resources.files("tzdata") / "zoneinfo" / "iso3166.tab").read_text(encoding="utf-8")
    upstream = {line.split("\t")[0] for line in text.splitlines() if line[:1].isalpha()}
    assert country_codes() == upstream
    assert len(country_codes()) == 249


@pytest.mark.parametrize("code", ["DE", "US", "US-CO", "US-NY", "GB", "EU", "EL", "FR-75"])
def test_real_codes_pass(code: str) -> None:
    assert region_problem(code) is None


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ZZ", "'ZZ' is not an assigned ISO 3166-1 alpha-2"),
        ("XX", "'XX' is not an assigned"),
        ("UK", "'UK' is not an assigned"),
        ("XX-CO", "'XX' is not an assigned"),
        ("DEU", "not a region code"),
        ("D", "not a region code"),
    ],
)
def test_made_up_codes_fail(code: str, message: str) -> None:
    problem = region_problem(code)
    assert problem is not None
    assert message in problem


def test_the_questionnaire_refuses_unassigned_region_codes() -> None:
    assert validate_answers({"deployment_regions": ["de", "us-co"]})["deployment_regions"] == (
        "DE",
        "US-CO",
    )
    with pytest.raises(ClassificationInputError, match="'ZZ' is not an assigned ISO 3166-1"):
        validate_answers({"deployment_regions": ["ZZ", "XX"]})


def test_text_answers_refuse_control_characters_and_size(tmp_path: Path) -> None:
    path = tmp_path / "questionnaire.yaml"
    path.write_text(
        'version: "1"\nquestions:\n  - id: notes\n    text: Anything else?\n'
        "    type: text\n    help: Free text.\n"
    )
    questionnaire = load_questionnaire(path)
    assert validate_answers({"notes": " fine "}, questionnaire) == {"notes": "fine"}
    with pytest.raises(ClassificationInputError, match="U\\+202E"):
        validate_answers({"notes": "ok\u202e"}, questionnaire)
    with pytest.raises(ClassificationInputError, match="over 10,000 characters"):
        validate_answers({"notes": "x" * 10_001}, questionnaire)
