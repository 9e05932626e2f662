"""The classification record survives JSON and rejects malformed input."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ombud.compliance import Classification, ClassificationInputError, classify

ANSWERS: dict[str, Any] = {
    "system_kind": "general_purpose_model",
    "operator_role": "provider",
    "domain": "hiring",
    "deployment_regions": ["EU", "US-NY"],
    "gpai_training_flop": 4e25,
    "interacts_with_people": True,
    "annex_iii_area": ["employment"],
    "annex_iii_employment": ["recruitment_selection"],
    "nyc_candidates": True,
    "data_categories": ["personal_data"],
}


def test_round_trip_through_json() -> None:
    original = classify(ANSWERS)
    text = json.dumps(original.to_dict())
    again = Classification.from_dict(json.loads(text))
    assert again == original
    assert again.flags.gpai_systemic_risk
    assert again.flags.art_50_duties == ("art_50.1",)
    assert any(o.applies_from is not None for o in again.obligations)


def test_reasons_carry_citations() -> None:
    reasons = {r.code: r for r in classify(ANSWERS).reasons}
    assert reasons["annex_iii.4.a"].citation == "EU AI Act Art. 6(2), Annex III point 4(a)"
    assert all(r.text and r.citation for r in reasons.values())


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop("flags"),
        lambda d: d.update(eu_category="very_risky"),
        lambda d: d["obligations"][0].update(applies_from="soon"),
        lambda d: d["reasons"][0].update(extra=1),
    ],
)
def test_malformed_records_raise_one_line(damage: Any) -> None:
    data = classify(ANSWERS).to_dict()
    damage(data)
    with pytest.raises(
        ClassificationInputError, match=r"^classification record: cannot read it"
    ) as e:
        Classification.from_dict(data)
    assert "\n" not in str(e.value)
