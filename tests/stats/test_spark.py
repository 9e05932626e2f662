"""A Spark DataFrame aggregated by Spark's groupBy gives the same Tally as DuckDB.

Oracle: the Tally built from the same rows with pandas through DuckDB. Counts must match
exactly; float sums to 1e-12 relative (the engines add in different orders).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ombud.stats import ClassificationSpec, RegressionSpec, build_tally, build_tally_spark

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (pip install pyspark)")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("ombud-tally-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield session
    session.stop()


def test_spark_matches_duckdb_on_compas(spark, compas: pd.DataFrame):
    """Oracle: build_tally on the pandas frame (DuckDB)."""
    frame = compas.assign(w=np.where(compas["sex"] == "Female", 0.5, 2.0))
    frame.loc[::97, "score"] = np.nan  # missing scores are dropped and counted by both
    spec = ClassificationSpec(
        label="two_year_recid",
        prediction="predicted",
        score="score",
        groups=("race", "sex"),
        weight="w",
        on_missing="drop",
    )
    arrow = spark.createDataFrame(pa.Table.from_pandas(frame, preserve_index=False))
    reference = build_tally(frame, spec)
    got = build_tally_spark(arrow, spec)
    assert got.dropped_rows == reference.dropped_rows > 0
    assert got.equals(reference, rtol=1e-12)
    custom = ClassificationSpec(
        "two_year_recid", score="score", score_bins=[0, 0.25, 0.3, 1], on_missing="drop"
    )
    assert build_tally_spark(arrow, custom).equals(build_tally(frame, custom), rtol=1e-12)
    reg = RegressionSpec(outcome="decile_score", prediction="age", groups=("race",), weight="w")
    assert build_tally_spark(arrow, reg).equals(build_tally(frame, reg), rtol=1e-12)
