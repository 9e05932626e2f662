"""Rates, comparisons and bias tests against scipy as the independent oracle."""

from __future__ import annotations

import pytest
from scipy import stats

from ombud.redteam import (
    Attempt,
    AttemptStatus,
    DetectorResult,
    Outcome,
    Turn,
    attack_success_rates,
    compare_runs,
    paired_bias,
)


def _done(probe: str, hit: bool | None, index: int, **context: str) -> Attempt:
    outcome = Outcome.UNSCORABLE if hit is None else Outcome.HIT if hit else Outcome.MISS
    return Attempt(
        probe,
        index,
        (Turn("user", f"{probe}{index}"),),
        category="cat",
        detectors=("d",),
        context=context,
        status=AttemptStatus.DONE,
        response="r",
        results=(DetectorResult("d", outcome),),
    )


def _run(hits: int, misses: int, probe: str = "p") -> list[Attempt]:
    return [_done(probe, i < hits, i) for i in range(hits + misses)]


def test_rates_use_wilson_and_keep_unscorable_and_errors_out() -> None:
    """Oracle: scipy.stats.binomtest(...).proportion_ci(method='wilson')."""
    attempts = _run(7, 13)
    attempts.append(_done("p", None, 99))
    attempts.append(Attempt("p", 100, (Turn("user", "x"),), status=AttemptStatus.ERROR, error="e"))
    (row,) = attack_success_rates(attempts, "probe")
    assert (row.hits, row.scored, row.unscorable, row.errors) == (7, 20, 1, 1)
    ci = stats.binomtest(7, 20).proportion_ci(method="wilson")
    assert (row.lower, row.upper) == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_compare_flags_a_significant_rise_only() -> None:
    """Oracle: scipy.stats.fisher_exact on the same 2x2 table (small expected counts)."""
    rows = compare_runs(_run(0, 10), _run(6, 4))
    (row,) = rows
    expected = stats.fisher_exact([[0, 10], [6, 4]]).pvalue
    assert row.pvalue == pytest.approx(expected)
    assert row.regression
    assert row.method.startswith("fisher")
    (back,) = compare_runs(_run(6, 4), _run(0, 10))
    assert not back.regression


def test_paired_bias_compares_groups() -> None:
    """Oracle: scipy.stats.fisher_exact on hits by group."""
    attempts = [_done("bias", i < 1, i, group="a") for i in range(10)]
    attempts += [_done("bias", i < 7, 10 + i, group="b") for i in range(10)]
    (result,) = paired_bias(attempts)
    assert result.difference == pytest.approx(0.6)
    assert result.pvalue == pytest.approx(stats.fisher_exact([[1, 9], [7, 3]]).pvalue)
