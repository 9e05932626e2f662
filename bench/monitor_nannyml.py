"""NannyML's univariate drift on the same simulated year as bench/monitor_year.py.

Runs in its own environment (NannyML is not an Ombud dependency; 0.13.1 also needs statsmodels
and pandas < 3 there):

    python -m venv /tmp/nmbench && /tmp/nmbench/bin/pip install nannyml statsmodels 'pandas<3'
    /tmp/nmbench/bin/python bench/monitor_nannyml.py

NannyML is fitted on the reference and computes daily chunks (``chunk_period='D'``) from raw
rows (``chunks`` counts the reference's chunks too); with ``--days`` below 365 the year is
extrapolated linearly.
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
    os.environ["NML_DISABLE_USAGE_LOGGING"] = "1"  # no telemetry upload attempts
    import nannyml as nml

    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rows-per-day", type=int, default=2000)
    args = parser.parse_args()
    reference = simulate(50_000, 1, "2023-12-01", 30)
    analysis = simulate(args.rows_per_day * args.days, 3, "2024-01-01", args.days)
    for frame in (reference, analysis):
        frame["ts"] = frame["ts"].dt.tz_localize(None)
    calc = nml.UnivariateDriftCalculator(
        column_names=FEATURES,
        treat_as_categorical=FEATURES[N_NUMERIC:],
        timestamp_column_name="ts",
        chunk_period="D",
        continuous_methods=["kolmogorov_smirnov", "jensen_shannon", "wasserstein"],
        categorical_methods=["chi2", "jensen_shannon"],
    )
    start, start_cpu = time.perf_counter(), time.process_time()
    calc.fit(reference)
    fitted, fitted_cpu = time.perf_counter() - start, time.process_time() - start_cpu
    result = calc.calculate(analysis)
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    out = {
        "nannyml": nml.__version__,
        "load_average_1min": os.getloadavg()[0],
        "days": args.days,
        "chunks": len(result.to_df()),
        "fit_s": fitted,
        "wall_s": wall,
        "cpu_s": cpu,
        "year_extrapolated_wall_s": fitted + (wall - fitted) * 365 / args.days,
        "year_extrapolated_cpu_s": fitted_cpu + (cpu - fitted_cpu) * 365 / args.days,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
