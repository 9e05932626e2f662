"""The baseline answers and category names the classification tests build their cases on."""

from __future__ import annotations

from typing import Any

from ombud.compliance import EUCategory

PROHIBITED = EUCategory.PROHIBITED
HIGH = EUCategory.HIGH_RISK
LIMITED = EUCategory.LIMITED_RISK_TRANSPARENCY
MINIMAL = EUCategory.MINIMAL_RISK
OUT = EUCategory.OUT_OF_SCOPE

#: A provider's in-house decision model in the EU, reviewed by a person: each case changes
#: only what it is about.
BASE: dict[str, Any] = {
    "system_kind": "decision_model",
    "operator_role": "provider",
    "domain": "other",
    "deployment_regions": ["EU"],
    "automation": "human_in_the_loop",
    "data_categories": ["personal_data"],
    "affected_people": ["consumers"],
}
