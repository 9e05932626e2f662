"""Benchmark: a year of daily monitoring windows (simulated data, seeded).

365 daily windows × 20 features (15 numeric, 5 categorical) × 3 sensitive attributes (sex 2,
race 5, age 4). Measures (1) one daily ingest of 100k rows, (2) the full-year report computed
from the windows alone: every drift statistic for every feature and day, measured performance
with intervals per group, label-free estimates, selection-rate/TPR/FPR gaps with intervals, and
the sequential gap detector over the year, plus BH across the family. Results: bench/RESULTS.md.

    PYTHONPATH=src python bench/monitor_year.py [--rows-per-day 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time

import numpy as np
import pandas as pd

from ombud.monitor import (
    Stacked,
    bands_from_reference,
    bh_alarms,
    build_windows,
    drift_report,
    fit_spec,
    gap_detector,
    gap_report,
    merge_windows,
    performance_report,
)

N_NUMERIC, N_CATEGORICAL = 15, 5


def simulate(n: int, seed: int, start: str, days: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp(start, tz="UTC") + pd.to_timedelta(rng.uniform(0, days * 86400, n), "s")
    cols: dict[str, object] = {"ts": ts}
    lin = np.zeros(n)
    for j in range(N_NUMERIC):
        x = rng.normal(0, 1, n) if j % 2 else rng.gamma(2.0, 1.0, n)
        cols[f"num{j}"] = x
        lin += 0.1 * x
    for j in range(N_CATEGORICAL):
        cols[f"cat{j}"] = rng.choice([f"c{k}" for k in range(8)], size=n)
    cols["sex"] = rng.choice(["f", "m"], size=n)
    cols["race"] = rng.choice(["a", "b", "c", "d", "e"], p=[0.5, 0.2, 0.15, 0.1, 0.05], size=n)
    cols["age"] = rng.choice(["<25", "25-45", "45-65", "65+"], size=n)
    score = 1 / (1 + np.exp(-(lin - lin.mean())))
    cols["score"] = score
    cols["pred"] = (score >= 0.5).astype(np.int64)
    cols["label"] = (rng.uniform(size=n) < score).astype(np.int64)
    return pd.DataFrame(cols)


class Clock:
    """Wall and CPU time of a block: on a shared machine CPU time is the steadier figure."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def read(self, out: dict[str, float], name: str) -> None:
        out[f"{name}_wall_s"] = time.perf_counter() - self.wall
        out[f"{name}_cpu_s"] = time.process_time() - self.cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows-per-day", type=int, default=2000)
    args = parser.parse_args()
    features = [f"num{j}" for j in range(N_NUMERIC)] + [f"cat{j}" for j in range(N_CATEGORICAL)]
    reference = simulate(50_000, 1, "2023-12-01", 30)
    spec = fit_spec(
        reference,
        timestamp="ts",
        features=features,
        sensitive=["sex", "race", "age"],
        prediction="pred",
        score="score",
        label="label",
    )
    ref_window = merge_windows(build_windows(reference, spec).windows)
    out: dict[str, float] = {"load_average_1min_start": os.getloadavg()[0]}

    day = simulate(100_000, 2, "2024-01-01", 1)
    build_windows(day.head(1000), spec)  # warm-up (DuckDB connection, imports)
    clock = Clock()
    (one,) = build_windows(day, spec).windows
    clock.read(out, "ingest_100k_rows")

    year = simulate(args.rows_per_day * 365, 3, "2024-01-01", 365)
    clock = Clock()
    windows = build_windows(year, spec).windows
    clock.read(out, "ingest_year")
    out["windows"] = len(windows)
    out["rows_year"] = len(year)
    stored = [w.to_bytes() for w in windows]
    out["stored_bytes_per_window"] = float(np.mean([len(b) for b in stored]))
    del year

    total = clock = Clock()
    drift = drift_report(spec, ref_window, windows)
    clock.read(out, "report_drift")
    clock = Clock()
    stacked = Stacked(windows, spec)
    perf = performance_report(spec, windows, stacked=stacked)
    clock.read(out, "report_performance")
    clock = Clock()
    gaps = gap_report(spec, windows, stacked=stacked)
    clock.read(out, "report_gaps")
    clock = Clock()
    bands = bands_from_reference(ref_window, spec, metrics=("selection_rate", "tpr", "fpr"))
    detections = gap_detector(windows, spec, bands=bands, stacked=stacked)
    family = {k: v.pvalue for k, v in detections.items()}
    family.update(
        {
            (r.feature, r.statistic): r.pvalue
            for r in drift.itertuples()
            if r.start == windows[-1].start
        }
    )
    bh_alarms(family)
    clock.read(out, "report_sequential")
    total.read(out, "report_total")
    out["drift_rows"] = len(drift)
    out["performance_rows"] = len(perf)
    out["gap_rows"] = len(gaps)
    out["detectors"] = len(detections)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["window_rows_one_day"] = one.n_rows
    out["load_average_1min_end"] = os.getloadavg()[0]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
