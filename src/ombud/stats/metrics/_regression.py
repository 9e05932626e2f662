"""Regression metrics per group from weighted sums (n, Σw, Σy, Σŷ, Σy², Σŷ², Σyŷ, Σ|y−ŷ|, Σ(y−ŷ)²).

This module sums a Tally's cells per group; the metrics of those sums are defined in
``_formulas``.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from ombud.stats._errors import TallyError
from ombud.stats._tally import REGRESSION_SUMS, WEIGHT, Tally
from ombud.stats.metrics._cells import cell_frame, finish_index, strata, sum_by
from ombud.stats.metrics._disparity import GroupMetrics
from ombud.stats.metrics._formulas import REGRESSION_METRICS, ratio, regression_metrics_from_sums


def _require_regression(tally: Tally) -> None:
    if tally.kind != "regression":
        raise TallyError("regression metrics need a Tally built from a RegressionSpec")


def _table(sums: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    arrays = {c: sums[c].to_numpy(dtype=float) for c in (WEIGHT, *REGRESSION_SUMS)}
    values = pd.DataFrame(regression_metrics_from_sums(arrays), index=sums.index)
    w = arrays[WEIGHT]
    empty = np.where(w == 0, "no weight", "")
    reasons = pd.DataFrame(dict.fromkeys(REGRESSION_METRICS, empty), index=sums.index)
    reasons["r2"] = np.where(
        w == 0, "no weight", np.where(values["r2"].isna(), "outcome is constant in the group", "")
    )
    return values, reasons


def regression_metrics(
    tally: Tally,
    by: Sequence[str] | str | None = None,
    *,
    control: Sequence[str] | str | None = None,
) -> GroupMetrics:
    """Mean prediction/outcome, MAE, RMSE, R², mean residual (y − ŷ) per group and overall."""
    _require_regression(tally)
    by_t, ctl = strata(tally, by, control)
    frame = cell_frame(tally)
    cols = [WEIGHT, *REGRESSION_SUMS]
    values, reasons = _table(sum_by(frame, [*ctl, *by_t], cols))
    o_values, o_reasons = _table(sum_by(frame, list(ctl), cols))
    return GroupMetrics(
        by_group=values,
        overall=finish_index(o_values, ctl),
        reasons=reasons,
        overall_reasons=finish_index(o_reasons, ctl),
        by=by_t,
        control=ctl,
    )


def standardized_mean_difference(
    tally: Tally,
    by: Sequence[str] | str | None = None,
    *,
    of: str = "prediction",
    reference: Hashable | None = None,
) -> pd.Series:
    """Per group: (mean_g − mean_ref) / sqrt((var_g + var_ref) / 2), weighted, variances ddof=0.

    The reference is the named group, or (``reference=None``) everyone outside the group.
    """
    _require_regression(tally)
    if of not in ("prediction", "outcome"):
        raise TallyError(f"of= must be 'prediction' or 'outcome', got {of!r}")
    s, s2 = ("sum_pred", "sum_pred_sq") if of == "prediction" else ("sum_y", "sum_y_sq")
    by_t, _ = strata(tally, by, None)
    if not by_t:
        raise TallyError("standardized_mean_difference needs by= group columns")
    sums = sum_by(cell_frame(tally), list(by_t), [WEIGHT, s, s2])
    if reference is None:
        total = sums.sum()
        ref = pd.DataFrame({c: total[c] - sums[c] for c in sums.columns}, index=sums.index)
    else:
        if reference not in sums.index:
            raise TallyError(f"reference group {reference!r} not found; groups: {list(sums.index)}")
        row = sums[sums.index == reference].iloc[0]
        ref = pd.DataFrame([row] * len(sums), index=sums.index)

    def moments(t: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        mean = pd.Series(ratio(t[s], t[WEIGHT]), index=t.index)
        return mean, pd.Series(ratio(t[s2], t[WEIGHT]), index=t.index) - mean**2

    m_g, v_g = moments(sums)
    m_r, v_r = moments(ref)
    pooled = np.sqrt(((v_g + v_r) / 2).clip(lower=0.0))
    return pd.Series(ratio(m_g - m_r, pooled), index=sums.index, name=f"smd_{of}")
