"""Build windows where a Spark DataFrame lives: the per-window GROUP BY runs in Spark.

The same plan as the DuckDB path (``_sql_plan``, in its Spark SQL spelling) over a temporary
view of the DataFrame; the Tallies go through the stats core's Spark aggregation
(``build_tally_spark``); the row digest's per-row hash runs as a pandas UDF on Spark's
executors (Arrow batches, ``_digest.row_lanes``) and its halves are summed in the GROUP BY.
Only one row per window and the Tally cells reach the driver. The session time zone is set to
UTC while the queries run (Spark truncates timestamps to days in it) and put back after.
pyspark is imported only when called.
"""

from __future__ import annotations

import uuid
from typing import Any

import pandas as pd

from ombud.monitor._digest import row_lanes, split_lanes
from ombud.monitor._errors import MonitorError
from ombud.monitor._ingest import Ingest
from ombud.monitor._ingest_sql import _tally_spec, assemble, split_by_key
from ombud.monitor._periods import Notes
from ombud.monitor._spec import MonitorSpec
from ombud.monitor._sql_plan import DIGEST_FIELDS, KEY, LABEL, check, plan, quote
from ombud.stats import Tally, TallyError, build_tally_spark

_TZ = "spark.sql.session.timeZone"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _hash_series(*series: pd.Series) -> pd.DataFrame:
    """The pandas UDF: lane halves of a batch of rows (UTC ns first, then the other columns)."""
    ts = series[0].fillna(0).to_numpy(dtype="int64")
    halves = split_lanes(row_lanes(ts, list(series[1:])))
    return pd.DataFrame(halves, columns=list(DIGEST_FIELDS))


def build_windows_spark(df: Any, spec: MonitorSpec) -> Ingest:
    """One window per period of a ``pyspark.sql.DataFrame``, summarised by Spark."""
    try:
        from pyspark.sql.pandas.functions import pandas_udf
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MonitorError("pyspark is not installed; pip install pyspark to use Spark") from exc
    spark = df.sparkSession
    token = uuid.uuid4().hex[:12]
    view, func = f"ombud_src_{token}", f"ombud_row_hash_{token}"
    types = {f.name: f.dataType.simpleString() for f in df.schema.fields}
    p = plan(spec, types, hash_call=func, spark=True)
    struct = "struct<" + ",".join(f"{d}:bigint" for d in DIGEST_FIELDS) + ">"
    make_udf: Any = pandas_udf  # its stubs type only fixed-arity callables
    spark.udf.register(func, make_udf(_hash_series, struct))
    df.createOrReplaceTempView(view)
    previous = spark.conf.get(_TZ)
    spark.conf.set(_TZ, "UTC")
    try:
        base = f"SELECT *, {', '.join(p.base)} FROM {quote(view, True)}"
        sql = f"SELECT {KEY}, {', '.join(p.aggs)} FROM ({base}) GROUP BY {KEY} ORDER BY {KEY}"
        try:
            table = spark.sql(sql).toArrow()
        except Exception as exc:  # Spark raises many unrelated types; report them as one
            raise MonitorError(f"Spark: {_first_line(exc)}") from None
        notes = Notes()
        if table.num_rows == 0:
            notes.add("the prediction log has no rows; no window was built")
            return Ingest(windows=(), notes=tuple(notes.lines))
        check(table, spec)
        if p.naive_time:
            notes.add(f"timestamps in {spec.timestamp!r} have no time zone; they were taken as UTC")
        rows = spark.sql(f"SELECT {', '.join(p.tally_base)} FROM {quote(view, True)}")
        keys = [int(k) for k in table[KEY].to_pylist()]
        tally_spec = _tally_spec(spec)
        window = tally_spec.window or ""
        rows = rows.withColumnRenamed(KEY, window)
        from pyspark.sql import functions as F

        outputs = _tallies(rows.withColumn(LABEL, F.lit(0).cast("long")), tally_spec, keys)
        labelled: list[Tally | None] = [None] * len(keys)
        if spec.label and any(int(v or 0) for v in table["n_labelled"].to_pylist()):
            labelled = _tallies(rows.where(F.col(LABEL).isNotNull()), tally_spec, keys)
        return Ingest(windows=assemble(table, spec, outputs, labelled), notes=tuple(notes.lines))
    finally:
        spark.conf.set(_TZ, previous)
        spark.catalog.dropTempView(view)


def _tallies(rows: Any, tally_spec: Any, keys: list[int]) -> list[Tally | None]:
    try:
        tally = build_tally_spark(rows, tally_spec)
    except TallyError as exc:
        raise MonitorError(str(exc)) from None
    return split_by_key(tally, keys)
