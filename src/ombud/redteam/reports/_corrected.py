"""Attack success rates corrected for the detectors' measured errors (Rogan–Gladen).

A rate is hits among scored attempts, and a hit is whatever the detector said. With the
detector's recall and specificity measured on the labelled set, the rate is corrected
(Rogan–Gladen) and given an interval that carries how little the detector is known
(`ombud.stats.misclassification`). The interval reported, and read by a gate, is the union of
that corrected interval and the Wilson interval of the flagged rate: the labelled set need not
resemble the run (its refusals were chosen to be hard), so a detector's measured errors may
widen the interval but never narrow it. A weak detector thus makes a gate harder to pass,
never easier. Groups scored by a detector without a measurement (imported runs, the judge,
custom detectors) get no corrected rate and say why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ombud.redteam.core import Attempt
from ombud.redteam.detectors import DetectorAccuracy
from ombud.redteam.reports._results import GROUPINGS, attack_success_rates
from ombud.stats.misclassification import DetectorCounts, corrected_rate

__all__ = ["CorrectedRow", "corrected_rates"]


@dataclass(frozen=True)
class CorrectedRow:
    key: str
    detectors: tuple[str, ...]
    rate: float | None
    lower: float | None
    upper: float | None
    reason: str = ""


def _counts(accuracy: DetectorAccuracy) -> DetectorCounts | None:
    counts = DetectorCounts(
        accuracy.true_positives,
        accuracy.false_negatives,
        accuracy.true_negatives,
        accuracy.false_positives,
    )
    positives = counts.true_positives + counts.false_negatives
    negatives = counts.true_negatives + counts.false_positives
    return counts if positives and negatives else None


def corrected_rates(
    attempts: Sequence[Attempt],
    grouping: str,
    accuracy: Sequence[DetectorAccuracy],
    *,
    confidence: float = 0.95,
) -> Mapping[str, CorrectedRow]:
    """One corrected row per group of ``attack_success_rates(attempts, grouping)`` (by key).

    ``rate`` is None with a ``reason`` when the group has no scored attempt, its attempts were
    scored by different sets of detectors (one correction cannot describe them all), or a
    detector behind it has no measured accuracy.
    """
    measured = {a.detector: _counts(a) for a in accuracy}
    key = GROUPINGS[grouping]
    detector_sets: dict[str, set[tuple[str, ...]]] = {}
    for attempt in attempts:
        detector_sets.setdefault(key(attempt), set()).add(tuple(sorted(attempt.detectors)))
    out = {}
    for row in attack_success_rates(attempts, grouping, confidence=confidence):
        missing = [d for d in row.detectors if measured.get(d) is None]
        reason = (
            "no scored attempt"
            if not row.scored
            else "attempts scored by different detectors"
            if len(detector_sets.get(row.key, ())) > 1
            else f"accuracy not measured for {', '.join(missing) or 'its detector'}"
            if missing or not row.detectors
            else ""
        )
        if reason:
            out[row.key] = CorrectedRow(row.key, row.detectors, None, None, None, reason)
            continue
        counts = tuple(c for d in row.detectors if (c := measured[d]) is not None)
        result = corrected_rate(row.hits, row.scored, counts, confidence=confidence)
        rate = None if result.rate != result.rate else result.rate  # NaN: detector ≤ chance
        lower = min(result.lower, row.lower if row.lower is not None else 1.0)
        upper = max(result.upper, row.upper if row.upper is not None else 0.0)
        out[row.key] = CorrectedRow(
            row.key,
            row.detectors,
            rate,
            lower,
            upper,
            "" if rate is not None else "detector no better than chance",
        )
    return out
