"""Legal flags on every option, and a recommendation that is never a blocked option.

Oracle: the provisions as read (42 U.S.C. 2000e-2(l) for US hiring, 12 CFR 1002.4(a) for
US lending, the EU positive-action, GDPR Art. 9 and AI Act Art. 4a readings), applied by
hand to the option types: which options each context must block, which it only marks;
and the recommendation recomputed as the best-utility unblocked rule option.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ombud.fairness.mitigate import (
    PROVISIONS,
    RULE_OPTIONS,
    LegalContext,
    ThresholdTradeoffs,
    threshold_tradeoffs,
)
from ombud.stats import ClassificationSpec, build_tally


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    n = 5000
    group = rng.choice(["x", "y"], size=n, p=[0.6, 0.4])
    latent = rng.normal(size=n) + np.where(group == "y", -0.7, 0.0)
    label = (latent + rng.normal(size=n) > 0).astype(int)
    score = 1.0 / (1.0 + np.exp(-latent))
    return pd.DataFrame({"g": group, "y": label, "s": score})


def _run(data: pd.DataFrame, context: LegalContext | None) -> ThresholdTradeoffs:
    spec = ClassificationSpec(label="y", score="s", groups=("g",), score_bins=40)
    return threshold_tradeoffs(build_tally(data, spec), "g", n_boot=0, context=context)


def _expected_recommendation(result: ThresholdTradeoffs, blocked: set[str]) -> str:
    allowed = [
        o for o in result.options if o.name in RULE_OPTIONS and o.feasible and o.name not in blocked
    ]
    return max(allowed, key=lambda o: o.metrics["utility"]).name


def test_us_hiring_blocks_every_group_specific_option(data: pd.DataFrame) -> None:
    result = _run(data, LegalContext.of("hiring", ["US"]))
    specific = {o.name for o in result.options if o.group_specific}
    assert specific == {
        "max_utility_per_group",
        "four_fifths_per_group",
        "equal_opportunity_per_group",
        "equalized_odds_randomised",
    }
    for name in specific:
        flags = result.legal.for_option(name)
        assert [f.status for f in flags] == ["prohibited"]
        assert flags[0].provision.id == "us.title_vii.2000e-2l"
        assert result.legal.blocked(name)
    assert result.legal.recommended == _expected_recommendation(result, specific)
    recommended = result.recommended
    assert recommended is not None
    assert not recommended.group_specific
    # Group-blind rule options are marked (Ricci) but not blocked.
    assert [f.status for f in result.legal.for_option("four_fifths")] == ["caution"]


def test_us_lending_flags_disparate_treatment(data: pd.DataFrame) -> None:
    result = _run(data, LegalContext.of("lending", ["US"]))
    flags = result.legal.for_option("equalized_odds_randomised")
    assert [(f.status, f.provision.id) for f in flags] == [
        ("disparate_treatment", "us.reg_b.1002.4a")
    ]
    assert flags[0].blocks
    assert result.legal.for_option("four_fifths") == ()
    blocked = {o.name for o in result.options if o.group_specific}
    assert result.legal.recommended == _expected_recommendation(result, blocked)


def test_eu_marks_uncertainty_without_blocking(data: pd.DataFrame) -> None:
    result = _run(data, LegalContext.of("hiring", ["EU"]))
    statuses = {f.status for f in result.legal.for_option("four_fifths_per_group")}
    assert statuses == {"uncertain", "requires_basis"}
    assert not any(f.blocks for f in result.legal.flags)
    assert result.legal.recommended == _expected_recommendation(result, set())
    # Even group-blind options process the attribute to be chosen (GDPR Art. 9).
    assert [f.provision.id for f in result.legal.for_option("four_fifths")] == ["eu.gdpr.art9"]


def test_us_and_eu_together_apply_both(data: pd.DataFrame) -> None:
    result = _run(data, LegalContext.of("hiring", ["US", "EU"]))
    ids = {f.provision.id for f in result.legal.for_option("four_fifths_per_group")}
    assert ids == {"us.title_vii.2000e-2l", "eu.positive_action", "eu.ai_act.art4a"}
    assert result.recommended is not None
    assert not result.recommended.group_specific


def test_without_a_context_nothing_is_blocked_and_it_says_so(data: pd.DataFrame) -> None:
    result = _run(data, None)
    assert result.legal.flags == ()
    assert any("no system context" in note for note in result.legal.notes)
    assert any("randomised" in note for note in result.legal.notes)
    assert result.legal.recommended == _expected_recommendation(result, set())


def test_every_second_hand_reading_names_its_source() -> None:
    for provision in PROVISIONS.values():
        assert provision.citation
        assert provision.source
        assert provision.paraphrase
    assert PROVISIONS["us.title_vii.2000e-2l"].verified is False
    assert PROVISIONS["eu.ai_act.art4a"].verified is False


def test_legal_flags_travel_in_the_json(data: pd.DataFrame) -> None:
    payload = _run(data, LegalContext.of("hiring", ["US"])).to_dict()
    legal = payload["legal"]
    assert legal["context"] == {"domain": "hiring", "jurisdictions": ["US"], "classification": ""}
    assert {f["option"] for f in legal["flags"] if f["blocks"]} == {
        o["name"] for o in payload["options"] if o["group_specific"]
    }
