"""The vectorized metric engine (used by the bootstrap) against ombud.stats on the same Tally.

Oracle: ombud.stats.classification_metrics and score_metrics (themselves tested against
fairlearn and scikit-learn), on weighted hypothesis-generated data with scores, and on batches
of resampled cell weights; to 1e-12.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from ombud.fairness import audit
from ombud.fairness._layout import build_layout
from ombud.fairness._vectorized import SCORE_AUDIT_METRICS, MetricEngine
from ombud.stats import (
    CLASSIFICATION_METRICS,
    ClassificationSpec,
    Tally,
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


def _scaled(tally: Tally, weights: np.ndarray) -> Tally:
    """The Tally a replicate of cell weights stands for: each cell's weighted sums scaled by
    new / old weight, which is what the engine assumes of a resampled cell."""
    cells = tally.cells
    old = cells.column("weight").to_numpy()
    factor = np.divide(weights, old, out=np.zeros_like(weights), where=old > 0)
    for i, name in enumerate(cells.column_names):
        if name == "weight":
            cells = cells.set_column(i, name, pa.array(weights))
        elif name.startswith("sum_"):
            cells = cells.set_column(i, name, pa.array(cells.column(name).to_numpy() * factor))
    return dataclasses.replace(tally, cells=cells)


def test_engine_equals_stats_metrics_on_resampled_tables() -> None:
    """Every metric the engine declares, for every view, on a (B, cells) batch: resampled rows,
    an intersectional group emptied, a group left without positive labels. Oracle: the Tally
    functions of ombud.stats on the Tally each replicate stands for, to 1e-12, with NaN in the
    same places."""
    rng = np.random.default_rng(11)
    n = 300
    frame = pd.DataFrame(
        {
            "a": rng.choice(["x", "y"], n),
            "b": rng.choice(["u", "v", "w"], n, p=[0.5, 0.4, 0.1]),
            "y": rng.integers(0, 2, n),
            "s": np.round(rng.uniform(0, 1, n), 3),
            "w": rng.uniform(0.5, 2.0, n),
        }
    )
    spec = ClassificationSpec(label="y", score="s", groups=("a", "b"), weight="w")
    tally = build_tally(frame, spec)
    calibration = uniform_edges(10)
    layout = build_layout(tally, ("a", "b"), (), 0.5, calibration)
    views = [layout.view(attrs) for attrs in (("a", "b"), ("a",), ("b",), ())]
    engine = MetricEngine(layout, views)
    cells = tally.cells.to_pandas()
    rows, weight = layout.rows, layout.weight
    draws = rng.multinomial(int(rows.sum()), rows / rows.sum(), size=5) * (weight / rows)
    emptied = np.where((cells["a"] == "x") & (cells["b"] == "w"), 0.0, weight)
    no_positives = np.where((cells["b"] == "w") & (cells["label"] == 1), 0.0, weight)
    reps = np.vstack([weight, draws, emptied, no_positives])
    got = engine.evaluate(reps)
    assert set(engine.metrics) == {*CLASSIFICATION_METRICS, *SCORE_AUDIT_METRICS}
    undefined = set()
    for b, replicate in enumerate(reps):
        scaled = _scaled(tally, replicate)
        for view, values in zip(views, got, strict=True):
            attrs = list(view.attrs)
            rates = classification_metrics(scaled, attrs, threshold=0.5)
            scores = score_metrics(scaled, attrs, calibration_edges=calibration)
            if attrs:
                index = pd.MultiIndex.from_frame(view.keys[attrs]) if len(attrs) > 1 else None
                index = pd.Index(view.keys[attrs[0]]) if index is None else index
                expected = pd.concat([rates.by_group, scores.by_group], axis=1).reindex(index)
            else:
                expected = pd.concat([rates.overall, scores.overall], axis=1)
            for m, metric in enumerate(engine.metrics):
                np.testing.assert_allclose(
                    values[b, :, m],
                    expected[metric].to_numpy(float),
                    rtol=1e-12,
                    atol=1e-12,
                    equal_nan=True,
                    err_msg=f"{metric} in {view.key}, replicate {b}",
                )
                if np.isnan(values[b, :, m]).any():
                    undefined.add(metric)
    assert undefined == set(engine.metrics)  # the NaN branch of every metric was compared
