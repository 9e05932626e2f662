"""A small, deterministic record of an audited system, built with the real fairness engine."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ombud.cards import EvidenceRecord, FairnessAnalysis, GateRecord, ReviewRecord, SystemRecord
from ombud.fairness import audit

GOLDEN = Path(__file__).parent / "golden"

PROFILE = {
    "name": "Loan pre-screening",
    "purpose": "Ranks loan applications for a credit officer to review first.",
    "owner": "olivia",
    "owner_team": "credit-risk",
    "domain": "lending",
    "kind": "decision_model",
    "operator_role": "provider",
    "automation": "human_in_the_loop",
    "business_unit": "Retail lending",
    "out_of_scope_uses": ["final credit decisions", "marketing"],
    "vendor": "in-house",
    "deployment_regions": ["DE"],
    "affected_people": ["consumers"],
    "data_categories": ["personal_data"],
}


def loan_frame(rows: int = 600, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sex = rng.choice(["female", "male"], size=rows)
    label = rng.random(rows) < 0.4
    prediction = np.where(sex == "male", rng.random(rows) < 0.5, rng.random(rows) < 0.3)
    return pd.DataFrame({"sex": sex, "label": label.astype(int), "pred": prediction.astype(int)})


@pytest.fixture(scope="session")
def audit_json() -> dict[str, object]:
    result = audit(loan_frame(), label="label", prediction="pred", sensitive="sex", n_boot=200)
    data: dict[str, object] = json.loads(result.to_json())
    return data


def audited_record(audit_json: dict[str, object]) -> SystemRecord:
    metrics = {"fairness.overall.selection_rate": 0.4, "fairness.sex.selection_rate.ratio_min": 0.6}
    evidence = (
        EvidenceRecord(
            id=1,
            kind="fairness_audit",
            summary="fairness audit of sex on 600 rows",
            engine="ombud.fairness",
            created_at="2027-01-02T03:04:05+00:00",
            metrics=metrics,
            verdicts={"fairness.sex.four_fifths": "fail"},
            inputs=({"name": "loans.csv", "sha256": "ab" * 32, "rows": 600, "description": ""},),
        ),
        EvidenceRecord(
            id=2,
            kind="redteam_run",
            summary="40 attempts",
            engine="ombud.redteam",
            created_at="2027-01-03T03:04:05+00:00",
            metrics={
                "redteam.prompt_injection.attempts": 20.0,
                "redteam.prompt_injection.attack_success_rate": 0.1,
                "redteam.prompt_injection.attack_success_rate.lower": 0.03,
                "redteam.prompt_injection.attack_success_rate.upper": 0.3,
                "redteam.overall.attempts": 20.0,
                "redteam.overall.attack_success_rate": 0.1,
                "redteam.overall.attack_success_rate.lower": 0.03,
                "redteam.overall.attack_success_rate.upper": 0.3,
            },
        ),
    )
    return SystemRecord(
        system_id="loan-screening",
        version="1.0.0",
        profile=PROFILE,
        status="in_review",
        version_notes="gradient boosting, 2026 refit",
        models=({"name": "gbm", "uri": "s3://models/gbm.onnx", "sha256": "cd" * 32},),
        training_data=(
            {"name": "loans-2026", "uri": "s3://data/loans.parquet", "sha256": "ef" * 32},
        ),
        version_history=("0.9.0", "1.0.0"),
        classification={
            "tier": 2,
            "tier_label": "high",
            "eu_category": "high_risk",
            "tier_reasons": ["EU AI Act Annex III point 5(b): creditworthiness"],
            "result": {
                "obligations": [{"citation": "EU AI Act Art. 9", "title": "Risk management"}]
            },
        },
        evidence=evidence,
        fairness=(FairnessAnalysis.from_audit_json(1, audit_json),),
        gate=GateRecord("fail", "default@2027.1", blocking=("fairness-fpr-parity",)),
        review=ReviewRecord(4, "decided", "reject", "disparity too large", (), "lena"),
    )


@pytest.fixture
def record(audit_json: dict[str, object]) -> SystemRecord:
    return audited_record(audit_json)


_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?")


def normalise(text: str) -> str:
    """Timestamps and content hashes vary between runs; everything else must not."""
    text = _STAMP.sub("<time>", text)
    return re.sub(r"\b[0-9a-f]{64}\b", "<sha256>", text)


@pytest.fixture
def check_golden(golden: Callable[[Mapping[Path, str]], None]) -> Callable[[str, str], None]:
    """Compare with tests/cards/golden/NAME after normalising (see tests/conftest.py)."""

    def check(name: str, text: str) -> None:
        golden({GOLDEN / name: normalise(text)})

    return check


@pytest.fixture
def loans() -> pd.DataFrame:
    """The frame the record's fairness audit was run on."""
    return loan_frame()
