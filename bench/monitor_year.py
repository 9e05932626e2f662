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
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from _monitor_data import FEATURES, simulate

from ombud.monitor import (
    Stacked,
    bands_from_reference,
    bh_alarms,
    build_windows,
    drift_report,
    estimate_report,
    fit_spec,
    gap_detector,
    gap_report,
    merge_windows,
    performance_report,
)


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
    features = FEATURES
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
    estimates = estimate_report(spec, windows)
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
    out["performance_rows"] = len(perf) + len(estimates)
    out["gap_rows"] = len(gaps)
    out["detectors"] = len(detections)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["window_rows_one_day"] = one.n_rows
    out["load_average_1min_end"] = os.getloadavg()[0]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
