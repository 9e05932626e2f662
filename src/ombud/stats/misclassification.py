"""A rate measured through an imperfect classifier, corrected for the classifier's errors.

A red-team attack success rate is the share of answers a detector flags, not the share that
really were successful attacks: a detector with recall Se and specificity Sp turns a true rate
π into an expected flagged rate π·Se + (1 − π)·(1 − Sp). Rogan and Gladen (1978) invert that:

    π̂ = (p̂ + Sp − 1) / (Se + Sp − 1),  clipped to [0, 1].

Se and Sp are themselves measured on a small labelled set, so the interval must carry their
uncertainty as well as the run's. It is a Bayesian interval found by simulation, with a flat
prior on the true rate: draw Se and Sp from their Jeffreys posteriors (Beta(x + ½, n − x + ½)
on the labelled counts); given a draw, the flagged rate can only lie in [1 − Sp, Se], so its
posterior is the run's Beta(hits + 1, misses + 1) truncated to that range, and the draw is
weighted by the probability the run gives that range (a run with fewer flags than the
detector's false-positive rate allows is evidence for a better Sp). Each flagged-rate draw is
mapped back to a true rate and the weighted percentiles are the interval. A weak detector
(Se + Sp − 1 near 0) maps a narrow flagged-rate interval to a wide true-rate one instead of
hiding the risk; draws with Se + Sp ≤ 1 (no better than chance) carry no information and are
left out. The interval is widened, if needed, to contain the point value (a clipped estimate
of 0 or 1 puts that end of the interval at the boundary).

Several detectors OR-ed together (a hit if any hits) are combined assuming their errors are
independent given the truth: Se = 1 − Π(1 − Se_i), Sp = Π Sp_i (pass them all to
`corrected_rate`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from ombud.stats.intervals import StatsInputError

__all__ = ["CorrectedRate", "DetectorCounts", "corrected_rate", "rogan_gladen"]

FloatArray = NDArray[np.float64]
DEFAULT_DRAWS = 20_000


@dataclass(frozen=True)
class DetectorCounts:
    """A detector's confusion counts on a labelled set (positives: true attack successes)."""

    true_positives: int
    false_negatives: int
    true_negatives: int
    false_positives: int

    def check(self, where: str) -> None:
        counts = (self.true_positives, self.false_negatives, self.true_negatives)
        if min(*counts, self.false_positives) < 0:
            raise StatsInputError(f"{where}: detector counts must be >= 0")
        if self.true_positives + self.false_negatives == 0:
            raise StatsInputError(f"{where}: no labelled positive; recall cannot be measured")
        if self.true_negatives + self.false_positives == 0:
            raise StatsInputError(f"{where}: no labelled negative; specificity cannot be measured")


@dataclass(frozen=True)
class CorrectedRate:
    """The corrected rate, its interval and the Se/Sp point values it used."""

    rate: float
    lower: float
    upper: float
    sensitivity: float
    specificity: float


def rogan_gladen(
    observed: FloatArray | float, sensitivity: FloatArray | float, specificity: FloatArray | float
) -> FloatArray:
    """(p + Sp − 1) / (Se + Sp − 1) clipped to [0, 1]; NaN where Se + Sp ≤ 1."""
    p, se, sp = (np.asarray(v, dtype=np.float64) for v in (observed, sensitivity, specificity))
    youden = se + sp - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.clip((p + sp - 1.0) / youden, 0.0, 1.0)
    return np.asarray(np.where(youden > 0, value, np.nan), dtype=np.float64)


def _jeffreys(
    rng: np.random.Generator, successes: FloatArray, trials: FloatArray, draws: int
) -> FloatArray:
    """Draws of each proportion from its Jeffreys posterior, shape (draws, detectors)."""
    return rng.beta(successes + 0.5, trials - successes + 0.5, size=(draws, successes.size))


def _weighted_quantiles(
    values: FloatArray, weights: FloatArray, levels: tuple[float, float]
) -> tuple[float, float]:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    cumulative /= cumulative[-1]
    positions = np.searchsorted(cumulative, levels)
    picked = values[order][np.minimum(positions, values.size - 1)]
    return float(picked[0]), float(picked[1])


def corrected_rate(
    hits: int,
    scored: int,
    detectors: tuple[DetectorCounts, ...],
    *,
    confidence: float = 0.95,
    draws: int = DEFAULT_DRAWS,
    seed: int = 0,
) -> CorrectedRate:
    """The Rogan–Gladen corrected rate of ``hits`` flagged among ``scored``, with an interval.

    ``detectors`` are the detectors whose OR gave each verdict (usually one). The point value
    uses the measured Se and Sp; the interval is the simulation described in the module.
    """
    where = "corrected_rate"
    if not detectors:
        raise StatsInputError(f"{where}: name at least one detector's counts")
    if scored <= 0 or not 0 <= hits <= scored:
        raise StatsInputError(f"{where}: need 0 <= hits <= scored and scored > 0")
    if not 0.0 < confidence < 1.0:
        raise StatsInputError(f"{where}: confidence must be strictly between 0 and 1")
    for counts in detectors:
        counts.check(where)
    tp = np.array([d.true_positives for d in detectors], dtype=np.float64)
    fn = np.array([d.false_negatives for d in detectors], dtype=np.float64)
    tn = np.array([d.true_negatives for d in detectors], dtype=np.float64)
    fp = np.array([d.false_positives for d in detectors], dtype=np.float64)
    se_point = 1.0 - float(np.prod(1.0 - tp / (tp + fn)))
    sp_point = float(np.prod(tn / (tn + fp)))
    rate = float(rogan_gladen(hits / scored, se_point, sp_point))

    rng = np.random.default_rng(seed)
    se = 1.0 - np.prod(1.0 - _jeffreys(rng, tp, tp + fn, draws), axis=1)
    sp = np.prod(_jeffreys(rng, tn, tn + fp, draws), axis=1)
    informative = se + sp > 1.0
    se, sp = se[informative], sp[informative]
    if se.size == 0:
        lower, upper = 0.0, 1.0
    else:
        run = stats.beta(hits + 1.0, scored - hits + 1.0)
        low_cdf, high_cdf = run.cdf(1.0 - sp), run.cdf(se)
        weight = high_cdf - low_cdf
        if not np.any(weight > 0):  # the run lies wholly outside every draw's range
            weight = np.ones_like(se)
        u = low_cdf + rng.random(se.size) * (high_cdf - low_cdf)
        flagged = np.clip(run.ppf(u), 1.0 - sp, se)
        truth = np.clip((flagged + sp - 1.0) / (se + sp - 1.0), 0.0, 1.0)
        lower, upper = _weighted_quantiles(
            truth, weight, ((1 - confidence) / 2, (1 + confidence) / 2)
        )
    if np.isfinite(rate):
        lower, upper = min(lower, rate), max(upper, rate)
    return CorrectedRate(
        rate=rate,
        lower=float(lower),
        upper=float(upper),
        sensitivity=se_point,
        specificity=sp_point,
    )
