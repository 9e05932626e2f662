"""The vectorized metric engine (used by the bootstrap) against ombud.stats on the same Tally.

Oracle: ombud.stats.classification_metrics and score_metrics (themselves tested against
fairlearn and scikit-learn), on weighted hypothesis-generated data with scores; to 1e-12.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from ombud.fairness import audit
from ombud.stats import (
    CLASSIFICATION_METRICS,
    ClassificationSpec,
    build_tally,
    classification_metrics,
    score_metrics,
    uniform_edges,
)


@settings(max_examples=4, deadline=None)
@given(n=st.integers(30, 400), seed=st.integers(0, 2**32 - 1), weighted=st.booleans())
def test_engine_equals_stats_metrics(n: int, seed: int, weighted: bool) -> None:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "a": rng.choice(["x", "y"], n),
            "b": rng.choice(["u", "v", "w"], n),
            "y": rng.integers(0, 2, n),
            "s": np.round(rng.uniform(0, 1, n), 3),
            "w": rng.uniform(0.5, 2.0, n) if weighted else np.ones(n),
        }
    )
    result = audit(
        frame,
        label="y",
        score="s",
        threshold=0.5,
        sensitive=["a", "b"],
        weights="w" if weighted else None,
        n_boot=0,
    )
    tally = build_tally(
        frame,
        ClassificationSpec(label="y", score="s", groups=("a", "b"), weight="w", score_bins=100),
    )
    for attrs in (["a", "b"], ["a"], ["b"]):
        ours = result.by_group[result.by_group["attribute"] == "+".join(attrs)].set_index(attrs)
        rates = classification_metrics(tally, attrs, threshold=0.5).by_group
        scores = score_metrics(tally, attrs, calibration_edges=uniform_edges(10)).by_group
        for metric in CLASSIFICATION_METRICS:
            np.testing.assert_allclose(
                ours[metric].reindex(rates.index), rates[metric], rtol=1e-12, atol=1e-12
            )
        for metric in ("roc_auc", "brier", "ece"):
            np.testing.assert_allclose(
                ours[metric].reindex(scores.index), scores[metric], rtol=1e-12, atol=1e-12
            )
