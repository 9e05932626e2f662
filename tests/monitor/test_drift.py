"""Drift statistics against scipy on the same bins (oracle: scipy), and KS against raw rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from ombud.monitor import (
    MonitorSpec,
    bin_bounds,
    chi_square,
    feature_drift,
    js_distance,
    ks_binned,
    psi,
    wasserstein_binned,
)
from ombud.monitor._spec import NumericFeature, numeric_edges


def _hist(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    bins = np.searchsorted(edges, x, side="right")
    return np.bincount(bins, minlength=len(edges) + 1).astype(float)


@pytest.fixture(params=[0, 1, 2, 3])
def samples(request: pytest.FixtureRequest) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(request.param)
    ref = rng.normal(0, 1, 4000)
    cur = rng.normal(0.2 * request.param, 1 + 0.1 * request.param, 3000)
    edges = np.asarray(numeric_edges(pd.Series(ref), 12, "x"))
    return ref, cur, edges


def test_psi_equals_symmetrised_kl_from_scipy(samples: tuple[np.ndarray, ...]) -> None:
    """Oracle: PSI = KL(p||q) + KL(q||p) (scipy.stats.entropy) on the same smoothed bins."""
    ref, cur, edges = samples
    p, q = _hist(ref, edges), _hist(cur, edges)
    pp = np.maximum(p / p.sum(), 1e-4)
    qq = np.maximum(q / q.sum(), 1e-4)
    # entropy() renormalises; compare with the unnormalised sums written out with rel_entr.
    from scipy.special import rel_entr

    expected = rel_entr(qq, pp).sum() + rel_entr(pp, qq).sum()
    assert psi(p, q).value == pytest.approx(expected, abs=1e-9)


def test_js_distance_equals_scipy(samples: tuple[np.ndarray, ...]) -> None:
    ref, cur, edges = samples
    p, q = _hist(ref, edges), _hist(cur, edges)
    result = js_distance(p, q)
    assert result.value == pytest.approx(jensenshannon(p, q, base=2), abs=1e-9)
    keep = (p + q) > 0
    _, expected_p, _, _ = stats.chi2_contingency(
        np.vstack([p[keep], q[keep]]), correction=False, lambda_="log-likelihood"
    )
    assert result.pvalue == pytest.approx(expected_p, rel=1e-9, abs=1e-300)


def test_wasserstein_equals_scipy_on_bin_mids_and_bounds_the_raw_value(
    samples: tuple[np.ndarray, ...],
) -> None:
    """Oracle: scipy.stats.wasserstein_distance on bin midpoints weighted by counts; the raw-row
    value lies within the stated binning bound."""
    ref, cur, edges = samples
    p, q = _hist(ref, edges), _hist(cur, edges)
    low = min(ref.min(), cur.min())
    high = max(ref.max(), cur.max())
    left, right = bin_bounds(edges, low, high)
    mids = (left + right) / 2
    result = wasserstein_binned(p, q, left, right)
    expected = stats.wasserstein_distance(mids, mids, p, q)
    assert result.value == pytest.approx(expected, abs=1e-9)
    raw = stats.wasserstein_distance(ref, cur)
    assert result.bound is not None
    assert abs(raw - result.value) <= result.bound + 1e-12


def test_ks_bounds_contain_scipy_on_raw_rows(samples: tuple[np.ndarray, ...]) -> None:
    """Oracle: scipy.stats.ks_2samp on the raw rows lies within [lower, upper]."""
    ref, cur, edges = samples
    result = ks_binned(_hist(ref, edges), _hist(cur, edges))
    exact = stats.ks_2samp(ref, cur).statistic
    assert result.lower is not None
    assert result.upper is not None
    assert result.lower - 1e-12 <= exact <= result.upper + 1e-12


def test_ks_is_exact_when_each_bin_holds_one_value() -> None:
    """Values sitting on the left edges of their bins: the lower bound is scipy's exact D."""
    rng = np.random.default_rng(5)
    ref, cur = rng.integers(0, 6, 500).astype(float), rng.integers(1, 7, 400).astype(float)
    edges = np.arange(0.0, 8.0)  # every integer is an edge: one distinct value per bin
    result = ks_binned(_hist(ref, edges), _hist(cur, edges))
    exact = stats.ks_2samp(ref, cur)
    assert result.value == pytest.approx(exact.statistic, abs=1e-12)
    assert result.upper is not None
    assert result.upper >= exact.statistic


def test_chi_square_equals_scipy_contingency() -> None:
    p = np.array([500.0, 300, 150, 50, 0, 0])
    q = np.array([450.0, 330, 140, 40, 25, 3])
    result = chi_square(p, q)
    keep = (p + q) > 0
    x2, pvalue, _dof, _ = stats.chi2_contingency(np.vstack([p[keep], q[keep]]), correction=False)
    assert result.pvalue == pytest.approx(pvalue, rel=1e-9)
    assert result.value == pytest.approx(np.sqrt(x2 / (p.sum() + q.sum())), abs=1e-12)
    # scipy's own Cramér's V agrees
    v = stats.contingency.association(np.vstack([p[keep], q[keep]]).astype(int), method="cramer")
    assert result.value == pytest.approx(v, abs=1e-9)


def test_effect_and_test_disagree_where_they_should() -> None:
    """A trivial shift on a huge sample is significant but small; a big one on tiny n is not."""
    big_p = np.array([250_000.0, 250_000, 250_000, 250_000])
    big_q = np.array([251_500.0, 248_500, 250_000, 250_000])
    huge = psi(big_p, big_q)
    assert huge.pvalue < 0.05
    assert huge.value < 0.001
    tiny = psi(np.array([5.0, 5, 5, 5]), np.array([9.0, 1, 5, 5]))
    assert tiny.value > 0.2
    assert tiny.pvalue > 0.05


def test_empty_window_gives_nan_with_a_reason() -> None:
    result = psi(np.array([1.0, 2.0]), np.array([0.0, 0.0]))
    assert np.isnan(result.value)
    assert "no values" in result.note


def test_feature_drift_on_summaries() -> None:
    from ombud.monitor._features import summarise

    rng = np.random.default_rng(9)
    ref = pd.Series(rng.normal(0, 1, 2000))
    feature = NumericFeature("x", numeric_edges(ref, 10, "x"))
    cur = pd.Series(np.r_[rng.normal(0.5, 1, 1000), [np.nan] * 10])
    (rs,) = summarise(feature, ref, np.zeros(len(ref), dtype=np.int64), 1)
    (cs,) = summarise(feature, cur, np.zeros(len(cur), dtype=np.int64), 1)
    out = feature_drift(feature, rs, cs)
    assert set(out) == {"psi", "js_distance", "wasserstein", "ks", "missing_share_change"}
    assert out["ks"].pvalue < 1e-6
    assert out["missing_share_change"].value == pytest.approx(10 / 1010)


@pytest.mark.parametrize("stat", [psi, js_distance, chi_square, ks_binned])
def test_pvalues_hold_their_size_under_no_drift(stat: object) -> None:
    """Oracle: simulation. Two multinomial samples from one distribution: the share of p < 0.05
    stays at or below 0.05 (2,000 replicates: Monte-Carlo s.e. ≈ 0.005; allowed 0.05 + 3 s.e.)."""
    rng = np.random.default_rng(11)
    probs = np.array([0.3, 0.25, 0.2, 0.15, 0.07, 0.03])
    reps = 2000
    ref = rng.multinomial(3000, probs, size=reps).astype(float)
    cur = rng.multinomial(800, probs, size=reps).astype(float)
    fn = stat  # type: ignore[assignment]
    pvalues = np.array([fn(a, b).pvalue for a, b in zip(ref, cur, strict=True)])  # type: ignore[operator]
    assert np.mean(pvalues < 0.05) <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / reps)


def test_output_drift_from_tallies(spec: MonitorSpec, reference: pd.DataFrame) -> None:
    """Oracle: scipy on the raw scores (KS within bounds; W1 within the binning bound) and
    pandas rates on the raw rows."""
    from tests.monitor._stream import prediction_log

    from ombud.monitor import MonitorSpec, build_windows, merge_windows, output_drift

    assert isinstance(spec, MonitorSpec)
    ref = merge_windows(build_windows(reference, spec).windows)
    frame = prediction_log(3000, seed=12, days=1, shift=0.5)
    (cur,) = build_windows(frame, spec).windows
    out = output_drift(ref, cur)
    exact = stats.ks_2samp(reference.score, frame.score).statistic
    ks = out["score.ks"]
    assert ks.lower is not None
    assert ks.upper is not None
    assert ks.lower - 1e-12 <= exact <= ks.upper + 1e-12
    w1 = out["score.wasserstein"]
    assert w1.bound is not None
    assert abs(stats.wasserstein_distance(reference.score, frame.score) - w1.value) <= w1.bound
    rate = out["prediction_rate_change"]
    assert rate.value == pytest.approx(frame.pred.mean() - reference.pred.mean())
    assert rate.pvalue < 1e-6
    labels = out["label_rate_change"]
    assert labels.value == pytest.approx(frame.label.mean() - reference.label.mean())
