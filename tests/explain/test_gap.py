"""Gap attribution and per-group importance on the Adult data (sex gap of an income model).

Oracles: the measured gap in mean model output, computed here with pandas from the
model's own ``decision_function`` (the contributions must add up to it); moments of the
concatenated rows (merging must equal them); and a row bootstrap within groups (the CLT
standard errors must agree with it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingClassifier

from ombud.explain import (
    ExplainInputError,
    Explanation,
    attribute_gap,
    explain_shap,
    group_moments,
    proxy_scores,
)


@pytest.fixture(scope="module")
def adult_expl(
    adult: tuple[pd.DataFrame, pd.Series, pd.Series],
) -> tuple[GradientBoostingClassifier, Explanation, pd.Series]:
    X, y, sex = adult
    model = GradientBoostingClassifier(n_estimators=40, max_depth=3, random_state=0).fit(X, y)
    return model, explain_shap(model, X, background=X, background_size=50), sex


def test_contributions_sum_to_the_measured_gap(
    adult: tuple[pd.DataFrame, pd.Series, pd.Series],
    adult_expl: tuple[GradientBoostingClassifier, Explanation, pd.Series],
) -> None:
    X, _, _ = adult
    model, expl, sex = adult_expl
    margin = pd.Series(model.decision_function(X))
    measured = margin[sex == "Male"].mean() - margin[sex == "Female"].mean()
    result = attribute_gap(group_moments(expl, sex), "Male", "Female")
    assert result.gap == pytest.approx(measured, abs=1e-10)
    assert result.base_term == pytest.approx(0.0, abs=1e-12)  # one background for every row
    assert result.table["contribution"].sum() == pytest.approx(measured, abs=1e-6)
    assert abs(result.residual) <= expl.quality.max_abs_error + 1e-12
    # married carries most of this model's sex gap (measured; docs/explain.md reports it).
    assert result.table.index[0] == "married"
    assert result.gap_interval[0] < result.gap < result.gap_interval[1]


def test_merge_equals_moments_of_all_rows(
    adult_expl: tuple[GradientBoostingClassifier, Explanation, pd.Series],
) -> None:
    _, expl, sex = adult_expl
    half = expl.n_rows // 2

    def part(rows: slice) -> Explanation:
        return Explanation(
            method=expl.method,
            feature_names=expl.feature_names,
            attributions=expl.attributions[rows],
            base_values=expl.base_values[rows],
            outputs=expl.outputs[rows],
            output=expl.output,
            quality=expl.quality,
            seed=expl.seed,
        )

    merged = group_moments(part(slice(0, half)), sex[:half]).merge(
        group_moments(part(slice(half, None)), sex[half:].reset_index(drop=True))
    )
    whole = group_moments(expl, sex)
    assert merged.groups == whole.groups
    for name in ("n", "attr_sum", "attr_sumsq", "abs_sum", "out_sum", "out_sumsq", "base_sum"):
        np.testing.assert_allclose(getattr(merged, name), getattr(whole, name), rtol=1e-12)
    importance = whole.importance()
    assert list(importance.columns) == ["Female", "Male", "overall"]
    np.testing.assert_allclose(
        importance.loc[list(expl.feature_names), "overall"],
        np.abs(expl.attributions).mean(axis=0),
    )


def test_clt_standard_errors_match_a_bootstrap(
    adult_expl: tuple[GradientBoostingClassifier, Explanation, pd.Series],
) -> None:
    _, expl, sex = adult_expl
    result = attribute_gap(group_moments(expl, sex), "Male", "Female")
    rng = np.random.default_rng(0)
    male = expl.attributions[(sex == "Male").to_numpy()]
    female = expl.attributions[(sex == "Female").to_numpy()]
    boots = np.array(
        [
            male[rng.integers(0, len(male), len(male))].mean(axis=0)
            - female[rng.integers(0, len(female), len(female))].mean(axis=0)
            for _ in range(1000)
        ]
    )
    boot_se = pd.Series(boots.std(axis=0, ddof=1), index=expl.feature_names)
    clt_se = result.table["se"].reindex(boot_se.index)
    # 1,000 replicates estimate an SE to about +/- 4.5% (1 sd); allow 15%.
    np.testing.assert_allclose(clt_se, boot_se, rtol=0.15)


def test_likely_proxy_needs_both_numbers(
    adult_expl: tuple[GradientBoostingClassifier, Explanation, pd.Series],
) -> None:
    _, expl, sex = adult_expl
    moments = group_moments(expl, sex)
    flagged = attribute_gap(moments, "Male", "Female", proxy_scores={"married": 0.75})
    assert flagged.likely_proxies == ("married",)
    assert flagged.table.loc["married", "proxy_score"] == 0.75
    weak = attribute_gap(moments, "Male", "Female", proxy_scores={"married": 0.55})
    assert weak.likely_proxies == ()
    idle = attribute_gap(moments, "Male", "Female", proxy_scores={"capital-loss": 0.99})
    assert "capital-loss" not in idle.likely_proxies  # predicts sex, but carries no gap
    with pytest.raises(ExplainInputError, match="group 'Other'"):
        attribute_gap(moments, "Male", "Other")


def test_proxy_report_of_the_fairness_engine_feeds_the_flag(
    adult: tuple[pd.DataFrame, pd.Series, pd.Series],
    adult_expl: tuple[GradientBoostingClassifier, Explanation, pd.Series],
) -> None:
    """Oracle: ombud.fairness.detect_proxies on the same rows (another engine, same data)."""
    from ombud.fairness import detect_proxies

    X, _, sex = adult
    _, expl, _ = adult_expl
    report = detect_proxies(X.assign(sex=sex), "sex")
    scores = proxy_scores(report.findings, "sex")
    assert set(scores) == set(X.columns)
    result = attribute_gap(group_moments(expl, sex), "Male", "Female", proxy_scores=scores)
    married = next(f for f in report.findings if f.feature == "married")
    assert result.table.loc["married", "proxy_score"] == married.auc
    assert ("married" in result.likely_proxies) == (married.auc >= 0.7)
    with pytest.raises(ExplainInputError, match="no proxy findings for attribute 'race'"):
        proxy_scores(report.findings, "race")
