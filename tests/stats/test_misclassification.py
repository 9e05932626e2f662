"""The Rogan–Gladen corrected rate and its interval.

Oracles: the closed form on hand-picked numbers (Rogan & Gladen 1978: (p + Sp − 1)/(Se + Sp −
1)); scipy's Jeffreys interval (beta quantiles) for a detector known to be perfect; and a
simulation: runs drawn from a known true rate through a detector with known recall and
specificity, the detector itself measured on a simulated labelled set, must be covered by the
interval about 95% of the time (while the uncorrected Wilson interval of the flagged rate
almost never covers the true rate).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from ombud.stats.intervals import StatsInputError, wilson_interval
from ombud.stats.misclassification import DetectorCounts, corrected_rate, rogan_gladen


def test_point_value_is_the_rogan_gladen_formula() -> None:
    assert float(rogan_gladen(0.3, 0.9, 0.8)) == pytest.approx((0.3 + 0.8 - 1) / (0.9 + 0.8 - 1))
    assert float(rogan_gladen(0.05, 0.9, 0.8)) == 0.0  # below the false-positive floor: clipped
    assert float(rogan_gladen(0.95, 0.9, 0.8)) == 1.0
    assert np.isnan(rogan_gladen(0.3, 0.5, 0.5))  # a detector no better than chance
    # tp 9/10, tn 8/10: the point value uses those measured rates.
    result = corrected_rate(30, 100, (DetectorCounts(9, 1, 8, 2),))
    assert result.rate == pytest.approx((0.3 + 0.8 - 1) / 0.7)
    assert (result.sensitivity, result.specificity) == (pytest.approx(0.9), pytest.approx(0.8))


def test_a_perfectly_known_detector_gives_the_runs_own_interval() -> None:
    """Se = Sp = 1 measured on a million labels each: only the run's own uncertainty is left,
    the flat-prior Bayesian interval Beta(hits + 1, misses + 1) (scipy's quantiles)."""
    perfect = DetectorCounts(1_000_000, 0, 1_000_000, 0)
    result = corrected_rate(12, 80, (perfect,), draws=200_000, seed=3)
    low, high = stats.beta.ppf([0.025, 0.975], 12 + 1, 80 - 12 + 1)
    assert result.lower == pytest.approx(low, abs=2e-3)
    assert result.upper == pytest.approx(high, abs=2e-3)


def test_a_weak_detector_widens_the_interval() -> None:
    strong = corrected_rate(100, 200, (DetectorCounts(95, 5, 95, 5),))
    weak = corrected_rate(100, 200, (DetectorCounts(60, 40, 60, 40),))
    assert strong.rate == pytest.approx(0.5)
    assert weak.rate == pytest.approx(0.5)
    assert weak.upper - weak.lower > 3 * (strong.upper - strong.lower)


def test_a_run_below_the_false_positive_floor_is_not_a_certain_zero() -> None:
    """10% flagged through a detector that flags 40% of negatives: the point value clips to
    0, but the interval still has room above it (the run says Sp was underestimated)."""
    result = corrected_rate(20, 200, (DetectorCounts(60, 40, 60, 40),))
    assert result.rate == 0.0
    assert result.lower == 0.0
    assert result.upper > 0.01


def test_two_detectors_are_combined_as_an_or() -> None:
    """Independent errors given the truth: Se = 1 − (1 − Se1)(1 − Se2), Sp = Sp1 · Sp2."""
    result = corrected_rate(30, 100, (DetectorCounts(8, 2, 9, 1), DetectorCounts(5, 5, 10, 0)))
    assert result.sensitivity == pytest.approx(1 - 0.2 * 0.5)
    assert result.specificity == pytest.approx(0.9 * 1.0)


@pytest.mark.slow
def test_coverage_by_simulation() -> None:
    """True rate 0.15, detector recall 0.85 and specificity 0.75 (close to the shipped
    compliance detector), measured on 60 positive and 70 negative labels; runs of 300."""
    rng = np.random.default_rng(20261203)
    truth, se, sp, runs, n = 0.15, 0.85, 0.75, 300, 300
    flagged = truth * se + (1 - truth) * (1 - sp)
    covered = naive = 0
    for _ in range(runs):
        hits = int(rng.binomial(n, flagged))
        tp, tn = int(rng.binomial(60, se)), int(rng.binomial(70, sp))
        result = corrected_rate(hits, n, (DetectorCounts(tp, 60 - tp, tn, 70 - tn),), draws=4000)
        covered += result.lower <= truth <= result.upper
        low, high = wilson_interval(hits, n)
        naive += float(low) <= truth <= float(high)
    assert covered / runs >= 0.92
    assert naive / runs <= 0.05


@pytest.mark.parametrize(
    ("hits", "scored", "counts", "message"),
    [
        (5, 0, DetectorCounts(1, 1, 1, 1), "scored > 0"),
        (6, 5, DetectorCounts(1, 1, 1, 1), "hits <= scored"),
        (1, 5, DetectorCounts(0, 0, 1, 1), "no labelled positive"),
        (1, 5, DetectorCounts(1, 1, 0, 0), "no labelled negative"),
        (1, 5, DetectorCounts(-1, 1, 1, 1), ">= 0"),
    ],
)
def test_bad_input_is_one_clear_error(
    hits: int, scored: int, counts: DetectorCounts, message: str
) -> None:
    with pytest.raises(StatsInputError, match=message):
        corrected_rate(hits, scored, (counts,))
