"""Benchmark: building a Tally vs a plain DuckDB GROUP BY count(*) over the same Parquet.

Target (issue 3): 10M rows, 3 sensitive attributes, within 3x of the plain GROUP BY.
Run: python bench/tally_groupby.py --rows 10000000 [--dir /tmp/ombud-bench]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ombud.stats import ClassificationSpec, build_tally


def make_data(path: Path, rows: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    chunk = 2_000_000
    writer = None
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        score = rng.random(n)
        table = pa.table(
            {
                "race": pa.array(rng.choice(["a", "b", "c", "d", "e"], n)),
                "sex": pa.array(rng.choice(["f", "m"], n)),
                "age_band": rng.integers(0, 4, n),
                "y": (rng.random(n) < score).astype(np.int64),
                "p": (score >= 0.5).astype(np.int64),
                "s": score,
            }
        )
        writer = writer or pq.ParquetWriter(str(path), table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/ombud-bench"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    path = args.dir / f"preds-{args.rows}.parquet"
    if not path.exists():
        make_data(path, args.rows)
    con = duckdb.connect()
    plain_sql = (
        f"SELECT race, sex, age_band, y, p, count(*) FROM read_parquet('{path}') GROUP BY ALL"
    )
    plain = best_of(lambda: con.sql(plain_sql).fetchall(), args.repeats)
    binned_sql = plain_sql.replace(
        "count(*)", "least(CAST(floor(s * 100) AS BIGINT), 99), count(*)"
    )
    binned = best_of(lambda: con.sql(binned_sql).fetchall(), args.repeats)
    groups = ("race", "sex", "age_band")
    with_pred = ClassificationSpec(label="y", prediction="p", groups=groups)
    with_score = ClassificationSpec(label="y", prediction="p", score="s", groups=groups)
    t_pred = best_of(lambda: build_tally(path, with_pred), args.repeats)
    t_score = best_of(lambda: build_tally(path, with_score), args.repeats)
    print(f"rows={args.rows:,} plain GROUP BY count(*): {plain:.3f}s")
    print(f"Tally (label, prediction):         {t_pred:.3f}s  ratio {t_pred / plain:.2f}x")
    print(f"Tally (+ score, 100 bins, sums):   {t_score:.3f}s  ratio {t_score / plain:.2f}x")
    print(f"plain GROUP BY with a score bin:   {binned:.3f}s  Tally ratio {t_score / binned:.2f}x")


if __name__ == "__main__":
    main()
