"""Threshold trade-offs from a Tally: the frontier, its Pareto sets and the rules' picks.

Everything here is a function of the per-group score histograms (``_counts``): a
group-blind threshold is one bin edge for everyone, a group-specific option one edge per
group, a randomised option a mixture of edges. Intervals come from the count bootstrap the
audits use (``ombud.stats.bootstrap``), stratified by group, with each option's
thresholds held fixed: they say how well *this* rule performs on data like this, not how
much the chosen thresholds themselves would move (that would need re-optimising in each
replicate, and is left for later).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ombud.fairness.mitigate._counts import ScoreHistograms, histograms
from ombud.fairness.mitigate._errors import MitigationInputError
from ombud.fairness.mitigate._legal import LegalContext, assess
from ombud.fairness.mitigate._randomised import equalized_odds_point, mix_acceptance
from ombud.fairness.mitigate._rates import (
    GAPS,
    HIGHER_IS_BETTER,
    GroupCurves,
    Utility,
    gaps,
    group_curves,
    pareto_mask,
)
from ombud.fairness.mitigate._result import OPTION_METRICS, Option, ThresholdTradeoffs
from ombud.fairness.mitigate._window import best_in_windows
from ombud.stats import Tally
from ombud.stats.bootstrap import multinomial_bootstrap

__all__ = ["DEFAULT_LEVELS", "FOUR_FIFTHS", "option_metrics", "threshold_tradeoffs"]

FloatArray = NDArray[np.float64]

FOUR_FIFTHS = 0.8
#: Levels of each difference (and of the impact ratio) for the group-specific frontier.
DEFAULT_LEVELS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2)
_RATIO_LEVELS = (1.0, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7)
_RATES = {"selection_rate_difference": "selection_rate", "tpr_difference": "tpr"}
_RATES["fpr_difference"] = "fpr"


def option_metrics(
    weight: FloatArray, acceptance: FloatArray, utility: Utility
) -> tuple[dict[str, FloatArray], dict[str, FloatArray]]:
    """Summary metrics and per-group rates of decisions ``acceptance`` (G, bins) on
    histograms ``weight`` (..., G, 2, bins); the leading axes broadcast (bootstrap)."""
    tp = np.einsum("...gb,gb->...g", weight[..., 1, :], acceptance)
    fp = np.einsum("...gb,gb->...g", weight[..., 0, :], acceptance)
    pos = weight[..., 1, :].sum(axis=-1)
    neg = weight[..., 0, :].sum(axis=-1)
    total = (pos + neg).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sel = (tp + fp) / (pos + neg)
        tpr = tp / pos
        fpr = fp / neg
        summary = {
            "utility": utility.value(tp, fp, pos, neg).sum(axis=-1) / total,
            "accuracy": (tp + neg - fp).sum(axis=-1) / total,
            "selection_rate": (tp + fp).sum(axis=-1) / total,
            **gaps(sel, tpr, fpr),
        }
    return summary, {"selection_rate": sel, "tpr": tpr, "fpr": fpr}


def _step(n_bins: int, ks: NDArray[np.intp]) -> FloatArray:
    """Acceptance of deterministic thresholds: candidate ``ks[g]`` per group."""
    out: FloatArray = (np.arange(n_bins)[None, :] >= ks[:, None]).astype(np.float64)
    return out


def _frontier(hist: ScoreHistograms, curves: GroupCurves, utility: Utility) -> pd.DataFrame:
    sel, tpr, fpr = curves.selection_rate.T, curves.tpr.T, curves.fpr.T  # (K+1, G)
    total = float((curves.pos + curves.neg).sum())
    value = utility.value(curves.tp, curves.fp, curves.pos[:, None], curves.neg[:, None])
    frame = pd.DataFrame(
        {
            "threshold": hist.thresholds,
            "utility": value.sum(axis=0) / total,
            "accuracy": (curves.tp + curves.neg[:, None] - curves.fp).sum(axis=0) / total,
            "selection_rate": (curves.tp + curves.fp).sum(axis=0) / total,
        }
    )
    for name, values in gaps(sel, tpr, fpr).items():
        frame[name] = values
    for name in GAPS:
        frame[f"pareto_{name}"] = pareto_mask(
            frame["utility"].to_numpy(),
            frame[name].to_numpy(),
            higher_is_better=name in HIGHER_IS_BETTER,
        )
    return frame


def _group_rates(hist: ScoreHistograms, curves: GroupCurves) -> pd.DataFrame:
    k1, g = len(hist.thresholds), len(hist.groups)
    return pd.DataFrame(
        {
            "threshold": np.repeat(hist.thresholds, g),
            "group": np.tile(np.asarray(hist.groups, dtype=object), k1),
            "selection_rate": curves.selection_rate.T.ravel(),
            "tpr": curves.tpr.T.ravel(),
            "fpr": curves.fpr.T.ravel(),
        }
    )


def _group_utility(curves: GroupCurves, utility: Utility) -> FloatArray:
    total = float((curves.pos + curves.neg).sum())
    value: FloatArray = (
        utility.value(curves.tp, curves.fp, curves.pos[:, None], curves.neg[:, None]) / total
    )
    return value


def _window_rule(
    curves: GroupCurves, per_group: FloatArray, gap: str, level: float
) -> NDArray[np.intp] | None:
    if gap == "impact_ratio":
        rates = curves.selection_rate
        found = best_in_windows(rates, per_group, lambda lo: lo / level, lowest=0.0)
    else:
        rates = getattr(curves, _RATES[gap])
        found = best_in_windows(rates, per_group, lambda lo: lo + level)
    return found.choice if found.feasible else None


def _group_specific(
    hist: ScoreHistograms,
    curves: GroupCurves,
    per_group: FloatArray,
    utility: Utility,
    levels: Sequence[float],
) -> pd.DataFrame:
    rows = []
    for gap in (*_RATES, "impact_ratio"):
        for level in _RATIO_LEVELS if gap == "impact_ratio" else levels:
            choice = _window_rule(curves, per_group, gap, level)
            row: dict[str, object] = {"gap": gap, "level": level, "feasible": choice is not None}
            if choice is not None:
                summary, _ = option_metrics(hist.weight, _step(hist.n_bins, choice), utility)
                row.update({k: float(summary[k]) for k in ("utility", "accuracy", gap)})
                row["achieved"] = row.pop(gap)
                row["thresholds"] = " ".join(f"{hist.thresholds[k]:.6g}" for k in choice)
            rows.append(row)
    frame = pd.DataFrame(rows)
    for column in ("utility", "accuracy", "achieved"):
        if column not in frame:
            frame[column] = np.nan
    frame["pareto"] = False
    for name, part in frame.groupby("gap", sort=False):
        mask = pareto_mask(
            part["utility"].to_numpy(dtype=float),
            part["achieved"].to_numpy(dtype=float),
            higher_is_better=str(name) in HIGHER_IS_BETTER,
        )
        frame.loc[part.index, "pareto"] = mask
    return frame


def _blind_best(frontier: pd.DataFrame, allowed: NDArray[np.bool_]) -> int | None:
    if not allowed.any():
        return None
    utility = np.where(allowed, frontier["utility"].to_numpy(), -np.inf)
    return int(np.argmax(utility))


def _option(
    hist: ScoreHistograms,
    utility: Utility,
    name: str,
    rule: str,
    acceptance: FloatArray | None,
    *,
    group_specific: bool,
    thresholds: dict[str, float] | None = None,
    randomised: bool = False,
    randomisation: dict[str, str] | None = None,
) -> Option:
    g, b = len(hist.groups), hist.n_bins
    feasible = acceptance is not None
    acc = acceptance if acceptance is not None else np.zeros((g, b))
    summary, rates = option_metrics(hist.weight, acc, utility)
    metrics = {k: (float(summary[k]) if feasible else float("nan")) for k in OPTION_METRICS}
    by_group = pd.DataFrame({"group": list(hist.groups)})
    for key, values in rates.items():
        by_group[key] = values if feasible else np.nan
    return Option(
        name=name,
        rule=rule,
        group_specific=group_specific,
        randomised=randomised,
        feasible=feasible,
        thresholds=thresholds or {},
        randomisation=randomisation or {},
        acceptance=acc,
        metrics=metrics,
        by_group=by_group,
    )


def _deterministic(
    hist: ScoreHistograms,
    utility: Utility,
    name: str,
    rule: str,
    choice: NDArray[np.intp] | None,
    *,
    group_specific: bool,
) -> Option:
    if choice is None:
        return _option(hist, utility, name, rule, None, group_specific=group_specific)
    thresholds = {
        grp: float(hist.thresholds[k]) for grp, k in zip(hist.groups, choice, strict=True)
    }
    return _option(
        hist,
        utility,
        name,
        rule,
        _step(hist.n_bins, choice),
        group_specific=group_specific,
        thresholds=thresholds,
    )


def _options(
    hist: ScoreHistograms,
    curves: GroupCurves,
    frontier: pd.DataFrame,
    utility: Utility,
    tolerance: float,
) -> list[Option]:
    g = len(hist.groups)
    per_group = _group_utility(curves, utility)

    def blind(k: int | None) -> NDArray[np.intp] | None:
        return None if k is None else np.full(g, k, dtype=np.intp)

    every = np.ones(len(frontier), dtype=bool)
    ratio_ok = (frontier["impact_ratio"] >= FOUR_FIFTHS).to_numpy()
    tpr_ok = (frontier["tpr_difference"] <= tolerance + 1e-12).to_numpy()
    eopp = f"equal opportunity: TPR difference <= {tolerance:g}"
    four = f"four-fifths: impact ratio >= {FOUR_FIFTHS:g}"
    options = [
        _deterministic(
            hist,
            utility,
            "max_utility",
            "max utility, one threshold for all",
            blind(_blind_best(frontier, every)),
            group_specific=False,
        ),
        _deterministic(
            hist,
            utility,
            "four_fifths",
            f"max utility, one threshold, {four}",
            blind(_blind_best(frontier, ratio_ok)),
            group_specific=False,
        ),
        _deterministic(
            hist,
            utility,
            "equal_opportunity",
            f"max utility, one threshold, {eopp}",
            blind(_blind_best(frontier, tpr_ok)),
            group_specific=False,
        ),
        _deterministic(
            hist,
            utility,
            "max_utility_per_group",
            "max utility, a threshold per group",
            np.argmax(per_group, axis=1).astype(np.intp),
            group_specific=True,
        ),
        _deterministic(
            hist,
            utility,
            "four_fifths_per_group",
            f"max utility, a threshold per group, {four}",
            _window_rule(curves, per_group, "impact_ratio", FOUR_FIFTHS),
            group_specific=True,
        ),
        _deterministic(
            hist,
            utility,
            "equal_opportunity_per_group",
            f"max utility, a threshold per group, {eopp}",
            _window_rule(curves, per_group, "tpr_difference", tolerance),
            group_specific=True,
        ),
    ]
    options.append(_equalized_odds(hist, curves, utility))
    return options


def _equalized_odds(hist: ScoreHistograms, curves: GroupCurves, utility: Utility) -> Option:
    total = float((curves.pos + curves.neg).sum())
    payoff_tpr = (utility.tp - utility.fn) * float(curves.pos.sum()) / total
    payoff_fpr = (utility.fp - utility.tn) * float(curves.neg.sum()) / total
    solved = equalized_odds_point(curves, payoff_fpr, payoff_tpr)
    acceptance = np.stack([mix_acceptance(m, hist.n_bins) for m in solved.mixes])
    t = hist.thresholds
    text = {
        grp: (
            f"with p={1 - m.p_constant:.6g}: threshold {t[m.high]:.6g} w.p. {m.q:.6g}, else "
            f"{t[m.low]:.6g}; otherwise (p={m.p_constant:.6g}) yes w.p. {m.constant:.6g}"
        )
        for grp, m in zip(hist.groups, solved.mixes, strict=True)
    }
    return _option(
        hist,
        utility,
        "equalized_odds_randomised",
        f"max utility, equalized odds (common TPR {solved.tpr:.4g}, FPR {solved.fpr:.4g}) "
        "by RANDOMISED group-specific thresholds",
        acceptance,
        group_specific=True,
        randomised=True,
        thresholds={grp: float(t[m.low]) for grp, m in zip(hist.groups, solved.mixes, strict=True)},
        randomisation=text,
    )


def _merged_bins(
    hist: ScoreHistograms, stacked: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per group, merge the bins every option treats alike (same acceptance in all).

    Row counts summed over cells are multinomial with the summed probabilities, so drawing
    the merged cells is the same bootstrap in distribution, at the cost of a few cells per
    group instead of one per bin. Returns rows, weights (G, 2, C) and acceptance (O, G, C).
    """
    g = hist.weight.shape[0]
    classes = []
    for gi in range(g):
        _, inverse = np.unique(stacked[:, gi, :].T, axis=0, return_inverse=True)
        classes.append(np.asarray(inverse, dtype=np.intp).reshape(-1))
    width = max(int(c.max()) for c in classes) + 1
    rows = np.zeros((g, 2, width))
    weight = np.zeros((g, 2, width))
    acceptance = np.zeros((stacked.shape[0], g, width))
    for gi, cls in enumerate(classes):
        for y in (0, 1):
            np.add.at(rows[gi, y], cls, hist.rows[gi, y])
            np.add.at(weight[gi, y], cls, hist.weight[gi, y])
        acceptance[:, gi, cls] = stacked[:, gi, :]
    return rows, weight, acceptance


def _with_intervals(
    hist: ScoreHistograms,
    utility: Utility,
    options: list[Option],
    n_boot: int,
    seed: int,
    confidence: float,
    *,
    merge: bool = True,
) -> list[Option]:
    """Bootstrap intervals for every feasible option from one set of replicates.

    Without sample weights the bins are merged first (``_merged_bins``). With weights the
    bootstrap scales each cell's resampled rows by that cell's mean weight, which merging
    would change, so every bin stays its own cell.
    """
    live = [o for o in options if o.feasible]
    if n_boot == 0 or not live:
        return options
    stacked = np.stack([o.acceptance for o in live])  # (O, G, bins)
    rows, weight = hist.rows, hist.weight
    if merge and np.array_equal(hist.rows, hist.weight):
        rows, weight, stacked = _merged_bins(hist, stacked)
    g, _, b = weight.shape

    def statistic(resampled: FloatArray) -> FloatArray:
        cells = resampled.reshape(-1, g, 2, b)
        columns = []
        for acceptance in stacked:
            summary, _ = option_metrics(cells, acceptance, utility)
            columns += [summary[k] for k in OPTION_METRICS]
        return np.stack(columns, axis=1)

    strata = np.repeat(np.arange(g), 2 * b)
    boot = multinomial_bootstrap(
        rows.ravel(),
        statistic,
        n_boot=n_boot,
        seed=seed,
        confidence=confidence,
        strata=strata,
        weights=weight.ravel(),
    )
    lower = np.asarray(boot.lower).reshape(len(live), len(OPTION_METRICS))
    upper = np.asarray(boot.upper).reshape(len(live), len(OPTION_METRICS))
    out, i = [], 0
    for option in options:
        if option.feasible:
            bounds = {
                k: (float(lower[i, j]), float(upper[i, j])) for j, k in enumerate(OPTION_METRICS)
            }
            option = Option(**{**option.__dict__, "intervals": bounds})
            i += 1
        out.append(option)
    return out


def threshold_tradeoffs(
    tally: Tally,
    by: Sequence[str] | str | None = None,
    *,
    utility: Utility | None = None,
    tolerance: float = 0.05,
    levels: Sequence[float] = DEFAULT_LEVELS,
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    context: LegalContext | None = None,
) -> ThresholdTradeoffs:
    """Every threshold's utility and gaps from ``tally``'s score histograms (no rows read).

    ``by``: the sensitive group columns (default all; several make intersectional groups).
    ``tolerance``: the TPR difference equal opportunity accepts from deterministic
    thresholds (exact equality is reachable only by randomising). ``levels``: the gap
    levels of the group-specific frontier. ``n_boot=0`` skips the intervals.
    ``context``: the system's domain and jurisdictions, for the legal flags on every
    option and the recommendation (the best option no flag blocks).
    """
    if not 0.0 <= tolerance < 1.0:
        raise MitigationInputError(f"tolerance must be in [0, 1), got {tolerance}")
    if n_boot != 0 and n_boot < 2:
        raise MitigationInputError(f"n_boot must be 0 (no intervals) or at least 2, got {n_boot}")
    if not 0.0 < confidence < 1.0:
        raise MitigationInputError(f"confidence must be in (0, 1), got {confidence}")
    chosen = utility or Utility()
    hist = histograms(tally, by)
    curves = group_curves(hist.weight)
    frontier = _frontier(hist, curves, chosen)
    per_group = _group_utility(curves, chosen)
    options = _options(hist, curves, frontier, chosen, tolerance)
    options = _with_intervals(hist, chosen, options, n_boot, seed, confidence)
    return ThresholdTradeoffs(
        histograms=hist,
        utility=chosen,
        tolerance=tolerance,
        frontier=frontier,
        group_rates=_group_rates(hist, curves),
        options=tuple(options),
        legal=assess(options, context),
        n_boot=n_boot,
        seed=seed,
        confidence=confidence,
        specific_frontier=lambda: _group_specific(hist, curves, per_group, chosen, levels),
    )
