"""Evidently's data-drift preset on the same simulated year as bench/monitor_year.py, per window.

Runs in its own environment (Evidently 0.7 is not an Ombud dependency; 0.7.23 needs pandas < 3):

    python -m venv /tmp/evbench && /tmp/evbench/bin/pip install 'evidently==0.7.*' 'pandas<3'
    /tmp/evbench/bin/python bench/monitor_evidently.py --windows 5

Evidently recomputes each report from raw rows, so the year costs (windows run) × 365 / windows;
the first window is timed separately (one-off initialisation) and left out of the per-window
figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _monitor_data import FEATURES, N_NUMERIC, simulate


def main() -> None:
    import evidently
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    parser = argparse.ArgumentParser()
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--rows-per-day", type=int, default=2000)
    args = parser.parse_args()
    definition = DataDefinition(
        numerical_columns=FEATURES[:N_NUMERIC], categorical_columns=FEATURES[N_NUMERIC:]
    )
    reference = simulate(50_000, 1, "2023-12-01", 30)
    year = simulate(args.rows_per_day * 365, 3, "2024-01-01", 365)
    day = year["ts"].dt.floor("D")
    days = sorted(day.unique())[: args.windows + 1]
    ref_ds = Dataset.from_pandas(reference[FEATURES], data_definition=definition)
    times, cpu = [], []
    for d in days:
        current = year.loc[day == d, FEATURES]
        start, start_cpu = time.perf_counter(), time.process_time()
        Report([DataDriftPreset()]).run(
            Dataset.from_pandas(current, data_definition=definition), ref_ds
        ).dict()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    per_window = sum(times[1:]) / len(times[1:])
    per_window_cpu = sum(cpu[1:]) / len(cpu[1:])
    out = {
        "evidently": evidently.__version__,
        "load_average_1min": os.getloadavg()[0],
        "first_window_s": times[0],
        "windows_timed": len(times) - 1,
        "per_window_s": per_window,
        "year_extrapolated_s": per_window * 365,
        "per_window_cpu_s": per_window_cpu,
        "year_extrapolated_cpu_s": per_window_cpu * 365,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
