"""Threshold frontier from the Tally vs fairlearn's ThresholdOptimizer, in one script.

Run: ``python bench/mitigation_frontier.py [--rows 10000000]``. Same data as the fairness
benchmark (bench/fairness_benchmark.py's generator: sex x race x age = 40 intersectional
groups, skewed; label and score), written once to bench/data/ (gitignored).

Measured, each in this process, wall time around the work only:

- the Tally pass with 1,000 score bins (what an audit with ``score=`` already builds);
- ``threshold_tradeoffs`` on that Tally without intervals: the group-blind frontier of
  1,001 candidate thresholds x 40 groups with every gap and its Pareto set, and the seven
  options (including the exact group-specific four-fifths and equal-opportunity searches
  and the randomised equalized-odds programme); best of ``--repeats``;
- the same with B=1000 bootstrap intervals (one run), and the group-specific frontier
  (28 exact searches, computed on first use; one run);
- fairlearn 0.15 ``ThresholdOptimizer(constraints="equalized_odds")`` fitted on the same
  rows (score as the prefit estimator's prediction, the 40 intersectional groups as
  sensitive feature): one run, fit only (building its inputs excluded).

A script, not a test: timings depend on the machine; it prints JSON and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fairness_benchmark import ROWS, SENSITIVE, generate

BINS = 1000


def score_column() -> Any:
    """A fitted 'model' whose prediction is the score column (fairlearn's prefit estimator)."""
    from sklearn.base import BaseEstimator

    class ScoreColumn(BaseEstimator):  # type: ignore[misc]
        def fit(self, x: Any, y: Any = None) -> Any:
            self.fitted_ = True
            return self

        def predict(self, x: Any) -> Any:
            return np.asarray(x)[:, 0]

    return ScoreColumn().fit(None)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ombud_runs(path: Path, repeats: int) -> dict[str, Any]:
    from ombud.fairness.mitigate import threshold_tradeoffs
    from ombud.stats import ClassificationSpec, build_tally

    spec = ClassificationSpec(
        label="label", score="score", groups=tuple(SENSITIVE), score_bins=BINS
    )
    t0 = time.perf_counter()
    tally = build_tally(str(path), spec)
    tally_s = time.perf_counter() - t0
    times = []
    result = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = threshold_tradeoffs(tally, list(SENSITIVE), n_boot=0)
        times.append(time.perf_counter() - t0)
    assert result is not None
    t0 = time.perf_counter()
    specific = result.group_specific
    specific_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    booted = threshold_tradeoffs(tally, list(SENSITIVE), n_boot=1000)
    boot_s = time.perf_counter() - t0
    eo = result.option("equalized_odds_randomised")
    return {
        "tally_seconds": tally_s,
        "cells": len(tally),
        "groups": len(result.groups),
        "candidates": len(result.frontier),
        "frontier_seconds": times,
        "frontier_best": min(times),
        "group_specific_seconds": specific_s,
        "group_specific_rows": len(specific),
        "bootstrap_seconds": boot_s,
        "eo_accuracy": eo.metrics["accuracy"],
        "eo_interval": booted.option("equalized_odds_randomised").intervals["accuracy"],
        "peak_rss_mb": _rss_mb(),
    }


def fairlearn_run(path: Path, rows: int) -> dict[str, Any]:
    import warnings

    import pyarrow.parquet as pq
    from fairlearn.postprocessing import ThresholdOptimizer

    table = pq.read_table(path, columns=[*SENSITIVE, "label", "score"]).slice(0, rows)
    groups = np.char.add(
        np.char.add(table["sex"].to_numpy().astype(str), table["race"].to_numpy().astype(str)),
        table["age"].to_numpy().astype(str),
    )
    x = table["score"].to_numpy().reshape(-1, 1)
    y = table["label"].to_numpy().astype(int)
    optimizer = ThresholdOptimizer(
        estimator=score_column(),
        constraints="equalized_odds",
        objective="accuracy_score",
        prefit=True,
        predict_method="predict",
    )
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        optimizer.fit(x, y, sensitive_features=groups)
    fit_s = time.perf_counter() - t0
    return {"rows": rows, "fit_seconds": fit_s, "peak_rss_mb": _rss_mb()}


def versions() -> dict[str, str]:
    import duckdb
    import fairlearn
    import pandas
    import pyarrow
    import scipy
    import sklearn

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pandas.__version__,
        "pyarrow": pyarrow.__version__,
        "duckdb": duckdb.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "fairlearn": fairlearn.__version__,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--fairlearn-rows", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--part", choices=["both", "ombud", "fairlearn"], default="both",
        help="run one side only (on a shared machine, to keep the other's load out)",
    )  # fmt: skip
    args = parser.parse_args()
    path = generate(args.rows)
    load = os.getloadavg()[0]
    out: dict[str, Any] = {"versions": versions()}
    if args.part in ("both", "ombud"):
        out["ombud"] = ombud_runs(path, args.repeats)
    if args.part in ("both", "fairlearn"):
        out["fairlearn"] = fairlearn_run(path, args.fairlearn_rows or args.rows)
    if args.part == "both":
        out["ratio_fit_over_frontier"] = (
            out["fairlearn"]["fit_seconds"] / out["ombud"]["frontier_best"]
        )
    out["machine"] = {"cpus": os.cpu_count(), "load_start": load, "load_end": os.getloadavg()[0]}
    print(json.dumps(out, indent=2, default=float))


if __name__ == "__main__":
    main()
