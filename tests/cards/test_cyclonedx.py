"""The ML-BOM: valid against CycloneDX 1.6 (the library's strict validator), model cards in."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from ombud.cards import CardError, SystemRecord, cyclonedx_bom, validate_cyclonedx


def test_bom_is_valid_and_carries_each_system_with_its_model_card(record: SystemRecord) -> None:
    text = cyclonedx_bom(
        [record], serial=uuid.UUID(int=1), timestamp=datetime(2027, 1, 1, tzinfo=UTC)
    )
    data = json.loads(text)
    assert data["specVersion"] == "1.6"
    (component,) = data["components"]
    assert component["type"] == "machine-learning-model"
    assert component["version"] == "1.0.0"
    nested = {c["name"]: c["type"] for c in component["components"]}
    assert nested == {"gbm": "machine-learning-model", "loans-2026": "data"}
    metrics = component["modelCard"]["quantitativeAnalysis"]["performanceMetrics"]
    group = next(g for g in record.fairness[0].groups if g.group == "female")
    estimate, lower, upper = group.values["selection_rate"]
    female = next(
        m for m in metrics if m["slice"] == "sex=female" and m["type"] == "selection_rate"
    )
    assert float(female["value"]) == pytest.approx(estimate, abs=1e-6)
    assert float(female["confidenceInterval"]["lowerBound"]) == pytest.approx(lower, abs=1e-6)
    assert float(female["confidenceInterval"]["upperBound"]) == pytest.approx(upper, abs=1e-6)


def test_the_validator_rejects_a_broken_bom(record: SystemRecord) -> None:
    data = json.loads(cyclonedx_bom([record]))
    data["components"][0]["modelCard"]["considerations"]["users"] = "not a list"
    with pytest.raises(CardError, match=r"CycloneDX 1\.6"):
        validate_cyclonedx(json.dumps(data))
