"""Windows summarised by Spark (local mode) equal the windows of the pandas path.

Oracle: ``build_windows`` (pandas + numpy) on the same rows. Spark keeps timestamps to the
microsecond, so the log's times are floored to microseconds first (those are the rows Spark
holds). Counts, histograms, Tally cells and the row digest exactly; floats within 1e-9.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from tests.monitor.test_ingest_sql import _assert_same

from ombud.monitor import ColumnError, MonitorSpec, build_windows, build_windows_spark

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (pip install pyspark)")
pytestmark = [
    pytest.mark.slow,
    # pyspark 4.3 warns that it does not fully support pandas 3 when a pandas UDF is made.
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers run the pandas UDF
    session = (
        SparkSession.builder.master("local[1]")
        .appName("ombud-monitor-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield session
    session.stop()


def test_spark_windows_equal_pandas_windows(
    spark: object, spec: MonitorSpec, log: pd.DataFrame
) -> None:
    """Oracle: build_windows on the same rows (missing labels, features and categories)."""
    frame = log.assign(ts=log["ts"].dt.floor("us"), label=log["label"].astype(float))
    frame.loc[::7, "label"] = np.nan
    frame.loc[::11, "x1"] = np.nan
    frame["colour"] = frame["colour"].astype(object)
    frame.loc[::13, "colour"] = None
    table = pa.Table.from_pandas(frame, preserve_index=False)
    df = spark.createDataFrame(table)  # type: ignore[attr-defined]
    before = spark.conf.get("spark.sql.session.timeZone")  # type: ignore[attr-defined]
    got = build_windows_spark(df, spec)
    assert spark.conf.get("spark.sql.session.timeZone") == before  # type: ignore[attr-defined]
    want = build_windows(table, spec)
    assert len(got.windows) == 7
    _assert_same(got.windows, want.windows)
    with pytest.raises(ColumnError, match=r"column 'score'.*outside"):
        build_windows_spark(df.withColumn("score", df["score"] * 2), spec)
