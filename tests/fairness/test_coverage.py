"""Coverage of the audit's bootstrap interval for a rule statistic, by simulation (slow).

Oracle: simulation from known true rates. Wilson, Newcombe, Katz and the cell bootstrap of a
single statistic are covered in tests/stats; this checks the audit's own path (cell layout,
vectorized metrics, stratified cell bootstrap, min/max over groups) for the four-fifths
statistic: the 95% interval must cover the true min/max selection-rate ratio in 93.5–96.5%
of 2,000 simulated samples.
"""

from __future__ import annotations

import numpy as np
import pytest

from ombud.fairness._layout import build_layout
from ombud.fairness._policy import Rule
from ombud.fairness._summaries import _rule_values, percentile_interval
from ombud.fairness._vectorized import MetricEngine
from ombud.stats import ClassificationSpec, build_tally
from ombud.stats.bootstrap import multinomial_bootstrap

RULE = Rule("four_fifths", ("selection_rate",), "ratio", 0.8)
SIZES, RATES = (400, 300, 200), (0.50, 0.42, 0.47)
TRUE_RATIO = min(RATES) / max(RATES)


def _interval(rng: np.random.Generator, seed: int) -> tuple[float, float]:
    groups = np.repeat(["a", "b", "c"], SIZES)
    predicted = np.concatenate([rng.random(n) < p for n, p in zip(SIZES, RATES, strict=True)])
    data = {"g": groups, "y": rng.integers(0, 2, groups.size), "p": predicted.astype(int)}
    tally = build_tally(data, ClassificationSpec(label="y", prediction="p", groups=("g",)))
    layout = build_layout(tally, ("g",), (), None, None)
    view = layout.view(("g",))
    engine = MetricEngine(layout, [view])
    boot = multinomial_bootstrap(
        layout.rows, engine.flat, n_boot=400, seed=seed, strata=layout.fine
    )
    replicates = engine.unflatten(boot.replicates)[0]
    column = engine.metrics.index("selection_rate")
    values = _rule_values(RULE, replicates[:, :, [column]])
    low, high = percentile_interval(values, 0.95)
    return float(low), float(high)


@pytest.mark.slow
def test_rule_interval_covers_the_true_ratio() -> None:
    rng = np.random.default_rng(20261126)
    sims = 2000
    hits = 0
    for i in range(sims):
        low, high = _interval(rng, seed=i)
        hits += low <= TRUE_RATIO <= high
    coverage = hits / sims
    assert 0.935 <= coverage <= 0.965, f"coverage {coverage:.3f}"
