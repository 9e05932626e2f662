"""Threshold trade-offs from a Tally, checked against recomputation on the rows.

Oracles: every frontier point and every deterministic option equals scikit-learn/numpy
computed on the rows with the same thresholds (to 1e-12); the group-specific rules equal
a brute-force search over every combination of thresholds on a small table; the
randomised equalized-odds point is compared with fairlearn's ThresholdOptimizer.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix

from ombud.datasets import load_compas
from ombud.fairness.mitigate import (
    GAPS,
    MitigationInputError,
    Utility,
    threshold_tradeoffs,
)
from ombud.stats import ClassificationSpec, Tally, build_tally


def _synthetic(n: int = 6000, seed: int = 3, weighted: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    shift = pd.Series(group).map({"a": 0.0, "b": -0.6, "c": 0.4}).to_numpy()
    latent = rng.normal(size=n) + shift
    label = (latent + rng.normal(scale=1.0, size=n) > 0).astype(int)
    score = 1.0 / (1.0 + np.exp(-latent))
    frame = pd.DataFrame({"g": group, "y": label, "s": score})
    if weighted:
        frame["w"] = rng.uniform(0.2, 3.0, size=n)
    return frame


def _tally(frame: pd.DataFrame, bins: int, groups: tuple[str, ...] = ("g",)) -> Tally:
    spec = ClassificationSpec(
        label="y",
        score="s",
        groups=groups,
        score_bins=bins,
        weight="w" if "w" in frame else None,
    )
    return build_tally(frame, spec)


def _row_rates(
    frame: pd.DataFrame, decide: np.ndarray, group: str = "g"
) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    weights = frame["w"].to_numpy() if "w" in frame else np.ones(len(frame))
    for name, part in frame.groupby(group):
        idx = part.index.to_numpy()
        tn, fp, fn, tp = confusion_matrix(
            part["y"], decide[idx], labels=[0, 1], sample_weight=weights[idx]
        ).ravel()
        out[str(name)] = {
            "selection_rate": (tp + fp) / (tp + fp + tn + fn),
            "tpr": tp / (tp + fn),
            "fpr": fp / (fp + tn),
        }
    return out


def _row_gaps(rates: dict[str, dict[str, float]]) -> dict[str, float]:
    sel = np.array([r["selection_rate"] for r in rates.values()])
    tpr = np.array([r["tpr"] for r in rates.values()])
    fpr = np.array([r["fpr"] for r in rates.values()])
    return {
        "selection_rate_difference": sel.max() - sel.min(),
        "impact_ratio": sel.min() / sel.max() if sel.max() > 0 else np.nan,
        "tpr_difference": tpr.max() - tpr.min(),
        "fpr_difference": fpr.max() - fpr.min(),
        "equalized_odds_difference": max(tpr.max() - tpr.min(), fpr.max() - fpr.min()),
    }


@pytest.mark.parametrize("weighted", [False, True])
def test_every_frontier_point_equals_a_recomputation_on_rows(weighted: bool) -> None:
    frame = _synthetic(weighted=weighted)
    result = threshold_tradeoffs(_tally(frame, 50), "g", n_boot=0)
    weights = frame["w"].to_numpy() if weighted else None
    rates = result.group_rates.set_index(["threshold", "group"])
    assert len(result.frontier) == 51
    for _, row in result.frontier.iterrows():
        decide = (frame["s"].to_numpy() >= row["threshold"]).astype(int)
        assert row["accuracy"] == pytest.approx(
            accuracy_score(frame["y"], decide, sample_weight=weights), abs=1e-12
        )
        assert row["utility"] == pytest.approx(row["accuracy"], abs=1e-12)
        assert row["selection_rate"] == pytest.approx(
            np.average(decide, weights=weights), abs=1e-12
        )
        by_rows = _row_rates(frame, decide)
        for gap, value in _row_gaps(by_rows).items():
            assert row[gap] == pytest.approx(value, abs=1e-12, nan_ok=True), gap
        for group, expected in by_rows.items():
            for metric, value in expected.items():
                got = rates.loc[(row["threshold"], group), metric]
                assert got == pytest.approx(value, abs=1e-12), (metric, group)


def test_utility_payoffs_equal_a_recomputation_on_rows() -> None:
    frame = _synthetic()
    payoff = Utility(tp=3.0, tn=0.5, fp=-2.0, fn=-1.0)
    result = threshold_tradeoffs(_tally(frame, 20), "g", utility=payoff, n_boot=0)
    y = frame["y"].to_numpy()
    for _, row in result.frontier.iterrows():
        d = frame["s"].to_numpy() >= row["threshold"]
        value = 3.0 * (d & (y == 1)) + 0.5 * (~d & (y == 0)) - 2.0 * (d & (y == 0))
        value = value - 1.0 * (~d & (y == 1))
        assert row["utility"] == pytest.approx(value.mean(), abs=1e-12)


def test_options_apply_their_thresholds_exactly() -> None:
    frame = _synthetic(weighted=True)
    result = threshold_tradeoffs(_tally(frame, 40), "g", n_boot=0)
    weights = frame["w"].to_numpy()
    for option in result.options:
        if option.randomised or not option.feasible:
            continue
        cut = frame["g"].map(option.thresholds).to_numpy()
        decide = (frame["s"].to_numpy() >= cut).astype(int)
        assert option.metrics["accuracy"] == pytest.approx(
            accuracy_score(frame["y"], decide, sample_weight=weights), abs=1e-12
        )
        for gap, value in _row_gaps(_row_rates(frame, decide)).items():
            assert option.metrics[gap] == pytest.approx(value, abs=1e-12, nan_ok=True)
        if not option.group_specific:
            assert len(set(option.thresholds.values())) == 1


def _brute_force(result, rate: str, ok) -> float:  # type: ignore[no-untyped-def]
    """Best total accuracy over every combination of one threshold per group."""
    table = result.group_rates
    hist = result.histograms
    total = hist.weight.sum()
    per_group = []
    for g_index, group in enumerate(hist.groups):
        part = table[table["group"] == group].reset_index(drop=True)
        pos, neg = hist.weight[g_index, 1].sum(), hist.weight[g_index, 0].sum()
        correct = part["tpr"] * pos + (1 - part["fpr"]) * neg
        per_group.append(list(zip(part[rate], correct / total, strict=True)))
    best = -np.inf
    for combo in itertools.product(*per_group):
        rates = [c[0] for c in combo]
        if ok(min(rates), max(rates)):
            best = max(best, sum(c[1] for c in combo))
    return float(best)


def test_group_specific_rules_equal_a_brute_force_search() -> None:
    frame = _synthetic(n=3000, seed=11)
    result = threshold_tradeoffs(_tally(frame, 12), "g", n_boot=0, tolerance=0.03)
    four = result.option("four_fifths_per_group")
    assert four.feasible
    assert four.metrics["impact_ratio"] >= 0.8
    expected = _brute_force(result, "selection_rate", lambda lo, hi: hi > 0 and lo / hi >= 0.8)
    assert four.metrics["accuracy"] == pytest.approx(expected, abs=1e-12)
    eopp = result.option("equal_opportunity_per_group")
    assert eopp.metrics["tpr_difference"] <= 0.03 + 1e-12
    expected = _brute_force(result, "tpr", lambda lo, hi: hi - lo <= 0.03 + 1e-12)
    assert eopp.metrics["accuracy"] == pytest.approx(expected, abs=1e-12)
    free = result.option("max_utility_per_group")
    assert free.metrics["accuracy"] == pytest.approx(
        _brute_force(result, "tpr", lambda lo, hi: True), abs=1e-12
    )
    for _, row in result.group_specific[result.group_specific["feasible"]].iterrows():
        if row["gap"] == "impact_ratio":
            assert row["achieved"] >= row["level"] - 1e-12
        else:
            assert row["achieved"] <= row["level"] + 1e-12


def test_group_blind_rules_pick_the_best_allowed_candidate() -> None:
    frame = _synthetic()
    result = threshold_tradeoffs(_tally(frame, 50), "g", n_boot=0)
    f = result.frontier
    four = result.option("four_fifths")
    allowed = f[f["impact_ratio"] >= 0.8]
    assert four.metrics["utility"] == pytest.approx(allowed["utility"].max(), abs=1e-15)
    assert result.option("max_utility").metrics["utility"] == pytest.approx(f["utility"].max())
    # A group-specific rule can never do worse than the group-blind one under the same rule.
    assert (
        result.option("four_fifths_per_group").metrics["utility"] >= four.metrics["utility"] - 1e-12
    )


def test_compas_deciles_intersectional_groups_from_the_tally() -> None:
    compas = load_compas(filtered=True)
    frame = compas.frame[compas.frame["race"].isin(["African-American", "Caucasian"])]
    frame = pd.DataFrame(
        {
            "race": frame["race"].to_numpy(),
            "sex": frame["sex"].to_numpy(),
            "y": compas.y.loc[frame.index].astype(int).to_numpy(),
            "s": (frame["decile_score"].to_numpy() - 0.5) / 10.0,
        }
    )
    tally = build_tally(
        frame, ClassificationSpec(label="y", score="s", groups=("race", "sex"), score_bins=10)
    )
    result = threshold_tradeoffs(tally, ["race", "sex"], n_boot=0)
    assert len(result.groups) == 4
    assert "African-American × Female" in result.groups
    frame["g"] = frame["race"] + " × " + frame["sex"]
    for _, row in result.frontier.iterrows():
        decide = (frame["s"].to_numpy() >= row["threshold"]).astype(int)
        for gap, value in _row_gaps(_row_rates(frame.reset_index(drop=True), decide)).items():
            assert row[gap] == pytest.approx(value, abs=1e-12, nan_ok=True)


def test_intervals_bracket_the_estimate_and_repeat_with_the_seed() -> None:
    frame = _synthetic(n=2000)
    first = threshold_tradeoffs(_tally(frame, 20), "g", n_boot=200, seed=5)
    again = threshold_tradeoffs(_tally(frame, 20), "g", n_boot=200, seed=5)
    for option, other in zip(first.options, again.options, strict=True):
        assert option.intervals == other.intervals
        if not option.feasible:
            continue
        for metric in ("utility", "accuracy", "selection_rate"):
            low, high = option.intervals[metric]
            assert low <= option.metrics[metric] <= high
            assert high > low
        # A difference is a max minus a min: at a point where it is 0 (the randomised
        # equalized-odds option) every resample is >= 0, so only the upper end brackets it.
        for metric in ("tpr_difference", "fpr_difference"):
            low, high = option.intervals[metric]
            assert 0.0 <= low <= high
            assert option.metrics[metric] <= high


def test_a_tally_without_scores_is_refused() -> None:
    frame = _synthetic(n=200).assign(p=lambda f: (f["s"] > 0.5).astype(int))
    tally = build_tally(frame, ClassificationSpec(label="y", prediction="p", groups=("g",)))
    with pytest.raises(MitigationInputError, match="score"):
        threshold_tradeoffs(tally, "g")


def test_a_group_without_positive_labels_is_refused() -> None:
    frame = _synthetic(n=300)
    frame.loc[frame["g"] == "c", "y"] = 0
    with pytest.raises(MitigationInputError, match="'c' has no positive labels"):
        threshold_tradeoffs(_tally(frame, 10), "g")


def test_every_gap_has_a_pareto_flag() -> None:
    result = threshold_tradeoffs(_tally(_synthetic(n=500), 10), "g", n_boot=0)
    for gap in GAPS:
        assert result.pareto(gap)["utility"].max() == pytest.approx(
            result.frontier["utility"].max()
        )


@pytest.mark.parametrize("seed", range(6))
def test_window_search_pruning_is_exact(seed: int) -> None:
    """Branch and bound against every candidate evaluated (blocks of one: nothing pruned)."""
    from ombud.fairness.mitigate._window import best_in_windows

    rng = np.random.default_rng(seed)
    groups, k = 5, 60
    rates = -np.sort(-rng.random((groups, k)), axis=1)
    rates[:, -1] = 0.0
    utility = rng.random((groups, k))

    def plus(lo: np.ndarray) -> np.ndarray:
        return lo + 0.05

    def ratio(lo: np.ndarray) -> np.ndarray:
        return lo / 0.8

    for upper in (plus, ratio):
        every = best_in_windows(rates, utility, upper, lowest=0.0, block=1)
        pruned = best_in_windows(rates, utility, upper, lowest=0.0, block=7)
        assert pruned.feasible == every.feasible
        if every.feasible:
            assert pruned.utility == pytest.approx(every.utility, abs=1e-12)
            picked = rates[np.arange(groups), pruned.choice]
            assert picked.max() <= upper(picked.min()) + 1e-12


def test_merging_bins_before_the_bootstrap_keeps_its_distribution() -> None:
    """Oracle: the bootstrap over every bin (no merging) on the same unweighted data.

    Both are multinomial bootstraps of the same rows; merging the bins every option treats
    alike only sums cells, so the two standard errors estimate the same quantity. With
    B=2000 and fixed seeds, each half-width (97.5th minus 2.5th percentile) agrees to 12%.
    """
    from ombud.fairness.mitigate import _tradeoffs

    frame = _synthetic(n=3000, seed=21)
    result = threshold_tradeoffs(_tally(frame, 40), "g", n_boot=0)
    plain = list(result.options)
    args = (result.histograms, result.utility, plain, 2000, 3, 0.95)
    merged = _tradeoffs._with_intervals(*args)
    full = _tradeoffs._with_intervals(*args, merge=False)
    for a, b in zip(merged, full, strict=True):
        if not a.feasible:
            continue
        for metric in ("utility", "selection_rate", "selection_rate_difference"):
            width_a = a.intervals[metric][1] - a.intervals[metric][0]
            width_b = b.intervals[metric][1] - b.intervals[metric][0]
            assert width_a == pytest.approx(width_b, rel=0.12), (a.name, metric)
