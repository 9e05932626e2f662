"""A rate measured through an imperfect classifier, corrected for the classifier's errors.

A red-team attack success rate is the share of answers a detector flags, not the share that
really were successful attacks: a detector with recall Se and specificity Sp turns a true rate
π into an expected flagged rate π·Se + (1 − π)·(1 − Sp). Rogan and Gladen (1978) invert that:

    π̂ = (p̂ + Sp − 1) / (Se + Sp − 1),  clipped to [0, 1].

Se and Sp are themselves measured on a small labelled set, so the interval must carry their
uncertainty as well as the run's. It is found by simulation: draw the flagged rate, Se and Sp
from their Jeffreys posteriors (Beta(x + ½, n − x + ½)), correct each draw, and take the
percentiles. A weak detector (Se + Sp − 1 near 0) makes the interval wide instead of hiding the
risk; where a draw has Se + Sp ≤ 1 the detector is no better than chance on that draw and the
draw says nothing (it counts as "anything from 0 to 1": half of those draws go to each end).

Several detectors OR-ed together (a hit if any hits) are combined assuming their errors are
independent given the truth: Se = 1 − Π(1 − Se_i), Sp = Π Sp_i (pass them all to
`corrected_rate`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

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
    observed = rng.beta(hits + 0.5, scored - hits + 0.5, size=draws)
    se = 1.0 - np.prod(1.0 - _jeffreys(rng, tp, tp + fn, draws), axis=1)
    sp = np.prod(_jeffreys(rng, tn, tn + fp, draws), axis=1)
    corrected = rogan_gladen(observed, se, sp)
    # A draw with a detector no better than chance carries no information: it spans [0, 1].
    uninformative = np.isnan(corrected)
    corrected[uninformative] = np.where(np.arange(int(uninformative.sum())) % 2 == 0, 0.0, 1.0)
    tail = (1.0 - confidence) / 2.0
    lower, upper = np.quantile(corrected, [tail, 1.0 - tail])
    return CorrectedRate(
        rate=rate if np.isfinite(rate) else float("nan"),
        lower=float(lower),
        upper=float(upper),
        sensitivity=se_point,
        specificity=sp_point,
    )
