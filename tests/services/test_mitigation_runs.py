"""Threshold trade-offs as a recorded run: the system's context decides the legal flags.

Oracles: the engine called directly on the same data with the context written by hand
(the service must add nothing but the record), the policy registry's templates (every
recorded name must be declared), and the authorization rule (an owner of another system
is refused before any data is read).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ombud.fairness.mitigate import MITIGATION_NAMES, LegalContext, threshold_tradeoffs
from ombud.fairness.mitigate._evidence import OPTION_NAMES
from ombud.governance import PermissionDenied
from ombud.governance.policy._names import _can_match, default_registry
from ombud.services import workspaces
from ombud.services.context import AppContext
from ombud.services.mitigation_runs import (
    ThresholdRequest,
    jurisdictions_of,
    mitigate_thresholds,
)
from ombud.services.runs import RecordTarget
from ombud.stats import ClassificationSpec, build_tally

from ._systems import HIRING_ANSWERS, register_classified, screening_profile


@pytest.fixture
def team(context: AppContext) -> AppContext:
    admin = context.actor("ada")
    workspaces.add_user(context, admin, username="omar", roles=["owner"])
    workspaces.add_user(context, admin, username="hana", roles=["owner"])
    us = screening_profile("omar", deployment_regions=("US",))
    register_classified(context, "omar", "us-screening", us, HIRING_ANSWERS)
    fr = screening_profile("omar")
    register_classified(context, "omar", "fr-screening", fr, HIRING_ANSWERS)
    register_classified(
        context, "hana", "hana-screening", screening_profile("hana"), HIRING_ANSWERS
    )
    return context


@pytest.fixture
def scored(tmp_path: Path) -> Path:
    rng = np.random.default_rng(8)
    n = 4000
    group = rng.choice(["m", "f"], size=n)
    latent = rng.normal(size=n) + np.where(group == "f", -0.5, 0.0)
    frame = pd.DataFrame(
        {
            "sex": group,
            "hired": (latent + rng.normal(size=n) > 0).astype(int),
            "score": 1.0 / (1.0 + np.exp(-latent)),
        }
    )
    path = tmp_path / "scored.csv"
    frame.to_csv(path, index=False)
    return path


def _request(path: Path) -> ThresholdRequest:
    return ThresholdRequest(
        data=path, score="score", label="hired", sensitive=("sex",), bins=50, n_boot=50
    )


def test_jurisdictions_of_regions() -> None:
    assert jurisdictions_of(["US-CO", "DE"]) == {"US", "EU"}
    assert jurisdictions_of(["FR"]) == {"EU"}
    assert jurisdictions_of(["GB", "CH"]) == frozenset()


def test_a_us_hiring_system_records_its_flags(team: AppContext, scored: Path) -> None:
    target = RecordTarget(team, team.actor("omar"), "us-screening", "1.0")
    outcome = mitigate_thresholds(_request(scored), target)
    evidence = outcome.evidence
    assert evidence is not None
    assert evidence.kind == "mitigation"
    result = outcome.result.result
    assert result.legal.context.domain == "hiring"
    assert result.legal.context.jurisdictions == {"US"}
    assert "tier" in result.legal.context.classification
    # The service adds only the record: the engine on the same data and context agrees.
    spec = ClassificationSpec(label="hired", score="score", groups=("sex",), score_bins=50)
    direct = threshold_tradeoffs(
        build_tally(pd.read_csv(scored), spec),
        "sex",
        n_boot=50,
        context=LegalContext.of("hiring", ["US"]),
    )
    assert direct.legal.recommended == result.legal.recommended
    for mine, theirs in zip(result.options, direct.options, strict=True):
        assert mine.metrics == theirs.metrics
        assert mine.intervals == theirs.intervals
    verdicts = evidence.verdicts
    assert verdicts["mitigation.four_fifths_per_group.lawful"] == "fail"
    assert verdicts["mitigation.equalized_odds_randomised.lawful"] == "fail"
    assert verdicts["mitigation.max_utility.lawful"] == "pass"
    recommended = result.recommended
    assert recommended is not None
    assert evidence.metrics["mitigation.recommended.utility"] == pytest.approx(
        recommended.metrics["utility"]
    )
    names = {a["name"] for a in evidence.artifacts}
    assert names == {"tally.parquet", "mitigation.json", "mitigation-report.html"}
    assert evidence.parameters["recommended"] == result.legal.recommended


def test_an_eu_system_is_marked_not_blocked(team: AppContext, scored: Path) -> None:
    target = RecordTarget(team, team.actor("omar"), "fr-screening", "1.0")
    outcome = mitigate_thresholds(_request(scored), target)
    assert outcome.evidence is not None
    assert outcome.evidence.verdicts["mitigation.four_fifths_per_group.lawful"] == "concern"
    assert outcome.result.result.legal.context.jurisdictions == {"EU"}


def test_an_owner_of_another_system_is_refused_before_the_data_is_read(
    team: AppContext, tmp_path: Path
) -> None:
    target = RecordTarget(team, team.actor("omar"), "hana-screening", "1.0")
    missing = ThresholdRequest(
        data=tmp_path / "never-read.csv", score="s", label="y", sensitive=("g",)
    )
    with pytest.raises(PermissionDenied):
        mitigate_thresholds(missing, target)


def test_every_recorded_name_is_declared(team: AppContext, scored: Path) -> None:
    target = RecordTarget(team, team.actor("omar"), "us-screening", "1.0")
    outcome = mitigate_thresholds(_request(scored), target)
    assert outcome.evidence is not None
    assert tuple(o.name for o in outcome.result.result.options) == OPTION_NAMES
    for name in outcome.evidence.metrics:
        assert any(_can_match(name, t) for t in MITIGATION_NAMES.metrics), name
    for name in outcome.evidence.verdicts:
        assert any(_can_match(name, t) for t in MITIGATION_NAMES.verdicts), name
    assert "mitigation" in default_registry().kinds
