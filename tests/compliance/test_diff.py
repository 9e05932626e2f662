"""Re-classification under an amended catalog shows exactly what changed.

The amendment is written by the test (a copy of the shipped catalog with a changed
application date, an added obligation and a new Annex III point), never shipped.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from ombud.compliance import EUCategory, classify, diff_classifications, load_catalog
from ombud.compliance.law_catalog import LegalCatalog

CREDIT: dict[str, Any] = {
    "system_kind": "decision_model",
    "operator_role": "provider",
    "domain": "lending",
    "deployment_regions": ["EU"],
    "annex_iii_area": ["essential_services"],
    "annex_iii_essential_services": ["creditworthiness"],
}
FRAUD: dict[str, Any] = {**CREDIT, "annex_iii_essential_services": ["financial_fraud_detection"]}

NEW_POINT = """  - id: annex_iii.5.e
    kind: annex_iii_point
    title: Test-only point for fraud detection
    citation: Test amendment, Annex III point 5(e)
    paraphrase: A hypothetical point written by this test only.
    when: {q: annex_iii_essential_services, has: financial_fraud_detection}
"""
NEW_OBLIGATION = """  - {id: test_only_duty, roles: [provider], applies_to: [high_risk],
     applies_from: general, title: Test-only duty,
     citation: Test amendment Art. 999, paraphrase: Hypothetical.}
"""


@pytest.fixture
def amended(tmp_path: Path) -> LegalCatalog:
    text = (
        resources.files("ombud.compliance")
        .joinpath("data", "catalog-2024.1.yaml")
        .read_text(encoding="utf-8")
    )
    text = text.replace('catalog_version: "2024.1"', 'catalog_version: "2099.1"')
    text = text.replace("    date: 2026-08-02", "    date: 2027-12-02")
    text = text.replace("\nobligations:\n", f"{NEW_POINT}\nobligations:\n{NEW_OBLIGATION}")
    path = tmp_path / "catalog-2099.1.yaml"
    path.write_text(text, encoding="utf-8")
    return load_catalog(path=path)


def test_changed_date_and_added_obligation_show_up(amended: LegalCatalog) -> None:
    old = classify(CREDIT, load_catalog("2024.1"))
    new = classify(CREDIT, amended)
    diff = diff_classifications(old, new)
    assert (diff.old_catalog_version, diff.new_catalog_version) == ("2024.1", "2099.1")
    assert not diff.category_changed
    assert diff.added_obligations == ("test_only_duty",)
    assert diff.removed_obligations == ()
    # Every duty dated by the general application date moved; Art. 4 (Feb 2025) did not.
    assert "art_9" in diff.changed_obligations
    assert "art_4" not in diff.changed_obligations
    assert "catalog: 2024.1 -> 2099.1" in diff.summary_lines()


def test_new_annex_point_changes_the_category(amended: LegalCatalog) -> None:
    old = classify(FRAUD, load_catalog("2024.1"))
    new = classify(FRAUD, amended)
    diff = diff_classifications(old, new)
    assert (diff.old_category, diff.new_category) == (EUCategory.MINIMAL_RISK, EUCategory.HIGH_RISK)
    assert "annex_iii.5.e" in diff.added_reasons
    assert "minimal_risk" in diff.removed_reasons
    assert {"art_9", "test_only_duty"} <= set(diff.added_obligations)
    assert "category: minimal_risk -> high_risk" in diff.summary_lines()
    assert diff.to_dict()["category_changed"] is True


def test_changed_answers_diff_regimes_and_flags() -> None:
    base = {**CREDIT, "deployment_regions": ["EU", "US"]}
    old = classify(base)
    new = classify({**base, "deployment_regions": ["EU"], "interacts_with_people": True})
    diff = diff_classifications(old, new)
    assert diff.removed_regimes == ("us.ecoa_reg_b",)
    assert diff.flag_changes == ("art_50_duties: () -> ('art_50.1',)",)


def test_identical_classifications_have_an_empty_diff() -> None:
    one = classify(CREDIT)
    assert diff_classifications(one, classify(CREDIT)).is_empty
    assert diff_classifications(one, one).summary_lines() == ()
