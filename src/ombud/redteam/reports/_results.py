"""From logged attempts to attack success rates, comparisons and bias tests.

Everything reduces to counts (hits, scored attempts) per group, so the intervals and
tests come from ``ombud.stats`` and are vectorised over groups. Attempts a detector
could not score, and attempts that errored, are counted and shown but are not in the
denominator: they are neither successes nor evidence of safety. A group with no scored
attempt has no rate at all (``None``, shown as "no data"), never NaN: a NaN printed as
"nan%" or serialised into JSON reads like a measurement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ombud.redteam.core import Attempt, AttemptStatus, Outcome
from ombud.stats.intervals import wilson_interval
from ombud.stats.significance import choose_two_group_test

__all__ = [
    "GROUPINGS",
    "NO_DATA",
    "BiasResult",
    "ComparisonRow",
    "RateRow",
    "attack_success_rates",
    "compare_runs",
    "paired_bias",
    "percent",
]

NO_DATA = "no data"


def percent(value: float | None, digits: int = 1) -> str:
    """``12.5%``, or "no data" for a rate that does not exist."""
    return NO_DATA if value is None or value != value else f"{100 * value:.{digits}f}%"


def _mutator_key(attempt: Attempt) -> str:
    return "+".join(attempt.mutators) or "none"


GROUPINGS: dict[str, Callable[[Attempt], str]] = {
    "probe": lambda a: a.probe,
    "family": lambda a: a.family or "unknown",
    "category": lambda a: a.category or "unknown",
    "mutator": _mutator_key,
    "overall": lambda a: "all",
}


@dataclass(frozen=True)
class RateRow:
    grouping: str
    key: str
    hits: int
    scored: int
    unscorable: int
    errors: int
    rate: float | None
    lower: float | None
    upper: float | None
    detectors: tuple[str, ...]


@dataclass
class _Count:
    hits: int = 0
    scored: int = 0
    unscorable: int = 0
    errors: int = 0
    detectors: set[str] | None = None


def _counts(attempts: Iterable[Attempt], key: Callable[[Attempt], str]) -> dict[str, _Count]:
    counts: dict[str, _Count] = defaultdict(_Count)
    for attempt in attempts:
        count = counts[key(attempt)]
        if count.detectors is None:
            count.detectors = set()
        count.detectors.update(attempt.detectors)
        if attempt.status is AttemptStatus.ERROR:
            count.errors += 1
            continue
        verdict = attempt.verdict
        if verdict is Outcome.UNSCORABLE or verdict is None:
            count.unscorable += 1
        else:
            count.scored += 1
            count.hits += verdict is Outcome.HIT
    return dict(sorted(counts.items()))


def attack_success_rates(
    attempts: Sequence[Attempt], grouping: str = "probe", *, confidence: float = 0.95
) -> list[RateRow]:
    """Rate of hits among scored attempts per group, with Wilson intervals."""
    counts = _counts(attempts, GROUPINGS[grouping])
    hits = np.array([c.hits for c in counts.values()], dtype=np.float64)
    scored = np.array([c.scored for c in counts.values()], dtype=np.float64)
    lower, upper = wilson_interval(hits, np.maximum(scored, 1), confidence=confidence)
    rates = hits / np.maximum(scored, 1)
    return [
        RateRow(
            grouping,
            key,
            c.hits,
            c.scored,
            c.unscorable,
            c.errors,
            float(rates[i]) if c.scored else None,
            float(lower[i]) if c.scored else None,
            float(upper[i]) if c.scored else None,
            tuple(sorted(c.detectors or ())),
        )
        for i, (key, c) in enumerate(counts.items())
    ]


@dataclass(frozen=True)
class ComparisonRow:
    key: str
    hits_a: int
    scored_a: int
    hits_b: int
    scored_b: int
    difference: float
    pvalue: float
    method: str
    regression: bool


def compare_runs(
    baseline: Sequence[Attempt],
    candidate: Sequence[Attempt],
    grouping: str = "probe",
    *,
    alpha: float = 0.05,
) -> list[ComparisonRow]:
    """Per-group difference candidate − baseline with a two-group test.

    A regression is a group whose rate rose with p < ``alpha`` (the test is two-sided, so
    a significant fall is reported but is not a regression).
    """
    left = _counts(baseline, GROUPINGS[grouping])
    right = _counts(candidate, GROUPINGS[grouping])
    keys = [k for k in sorted(set(left) & set(right)) if left[k].scored and right[k].scored]
    if not keys:
        return []
    x1 = np.array([left[k].hits for k in keys], dtype=np.float64)
    n1 = np.array([left[k].scored for k in keys], dtype=np.float64)
    x2 = np.array([right[k].hits for k in keys], dtype=np.float64)
    n2 = np.array([right[k].scored for k in keys], dtype=np.float64)
    test = choose_two_group_test(x1, n1, x2, n2)
    pvalues = np.atleast_1d(np.asarray(test.pvalue, dtype=np.float64))
    difference = x2 / n2 - x1 / n1
    return [
        ComparisonRow(
            key,
            int(x1[i]),
            int(n1[i]),
            int(x2[i]),
            int(n2[i]),
            float(difference[i]),
            float(pvalues[i]),
            test.method,
            bool(pvalues[i] < alpha and difference[i] > 0),
        )
        for i, key in enumerate(keys)
    ]


@dataclass(frozen=True)
class BiasResult:
    probe: str
    hits_a: int
    scored_a: int
    hits_b: int
    scored_b: int
    difference: float
    pvalue: float
    method: str


def paired_bias(attempts: Sequence[Attempt]) -> list[BiasResult]:
    """For probes whose attempts carry ``context["group"]`` (a/b), test the outcome gap.

    The prompts of a pair differ only in the demographic attribute, so a difference in
    hit rates between groups is attributed to it.
    """
    by_probe: dict[str, list[Attempt]] = defaultdict(list)
    for attempt in attempts:
        if attempt.context.get("group") in ("a", "b"):
            by_probe[attempt.probe].append(attempt)
    results = []
    for probe, items in sorted(by_probe.items()):
        groups = _counts(items, lambda a: a.context["group"])
        a, b = groups.get("a", _Count()), groups.get("b", _Count())
        if not a.scored or not b.scored:
            continue
        test = choose_two_group_test(a.hits, a.scored, b.hits, b.scored)
        results.append(
            BiasResult(
                probe,
                a.hits,
                a.scored,
                b.hits,
                b.scored,
                b.hits / b.scored - a.hits / a.scored,
                float(np.asarray(test.pvalue).ravel()[0]),
                test.method,
            )
        )
    return results
