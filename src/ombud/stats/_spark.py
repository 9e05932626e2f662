"""Build a Tally where a Spark DataFrame lives: the GROUP BY runs in Spark, only cells come back.

The expressions mirror ``_build.aggregation_sql`` one for one (same bin search on the same double
edges, NaN treated as missing), and the grouped result goes through the same ``finish``, so a
Spark Tally equals a DuckDB Tally of the same rows. pyspark is imported only when called.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ombud.stats._errors import TallyError
from ombud.stats._finish import BAD_WEIGHT, MISSING, finish
from ombud.stats._spec import RegressionSpec, Spec, check_columns
from ombud.stats._tally import (
    LABEL,
    PREDICTION,
    REGRESSION_SUMS,
    ROW_COUNT,
    SCORE_BIN,
    SUM_SCORE,
    SUM_SCORE_SQ,
    WEIGHT,
    Tally,
    uniform_step,
)


def build_tally_spark(df: Any, spec: Spec) -> Tally:
    """Aggregate a ``pyspark.sql.DataFrame`` with one ``groupBy`` in Spark."""
    try:
        from pyspark.sql import functions as F
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise TallyError("pyspark is not installed; pip install pyspark to use Spark") from exc
    where = "Spark DataFrame"
    check_columns(spec, list(df.columns), where)
    col = F.col

    def nan_or_null(e: Any) -> Any:
        return e.isNull() | F.isnan(e)

    w = col(spec.weight).cast("double") if spec.weight else F.lit(1.0)
    keys: list[Any] = [col(c) for c in (*spec.groups, *([spec.window] if spec.window else []))]
    aggs: list[Any] = [F.count(F.lit(1)).alias(ROW_COUNT), F.sum(w).alias(WEIGHT)]
    if isinstance(spec, RegressionSpec):
        y = col(spec.outcome).cast("double")
        p = col(spec.prediction).cast("double")
        keys.append((nan_or_null(y) | nan_or_null(p)).alias(MISSING))
        exprs = [y, p, y * y, p * p, y * p, F.abs(y - p), (y - p) * (y - p)]
        aggs += [F.sum(w * e).alias(n) for e, n in zip(exprs, REGRESSION_SUMS, strict=True)]
    else:
        types = {f.name: f.dataType.typeName() for f in df.schema.fields}
        keys.append(_raw_key(F, spec.label, types).alias(LABEL))
        if spec.prediction:
            keys.append(_raw_key(F, spec.prediction, types).alias(PREDICTION))
        if spec.score and spec.edges:
            s = col(spec.score).cast("double")
            keys.append(_bin(F, s, spec.edges).alias(SCORE_BIN))
            aggs += [F.sum(w * s).alias(SUM_SCORE), F.sum(w * s * s).alias(SUM_SCORE_SQ)]
    bad = (nan_or_null(w) | (w < 0)).cast("long") if spec.weight else F.lit(0).cast("long")
    aggs.append(F.sum(bad).alias(BAD_WEIGHT))
    try:
        raw = df.groupBy(*keys).agg(*aggs).toArrow()
    except Exception as exc:  # Spark raises many unrelated types; report them as one
        raise TallyError(f"{where}: aggregation failed ({str(exc).splitlines()[0]})") from exc
    return finish(raw, spec, where)


def _raw_key(F: Any, column: str, types: dict[str, str]) -> Any:
    c = F.col(column)
    if types.get(column) in ("double", "float"):
        return F.when(F.isnan(c), F.lit(None)).otherwise(c)
    return c


def _bin(F: Any, s: Any, edges: Sequence[float]) -> Any:
    n_bins = len(edges) - 1
    step = uniform_step(edges)
    if step is not None:  # same arithmetic as _build.bin_sql
        b0 = F.least(F.floor(s * n_bins).cast("long"), F.lit(n_bins - 1))
        down = F.when(s < b0 * F.lit(step), 1).otherwise(0)
        up = F.when((b0 < n_bins - 1) & (s >= (b0 + 1) * F.lit(step)), 1).otherwise(0)
        inner = b0 - down + up
    else:
        inner = None

    def search(lo: int, hi: int) -> Any:
        if lo == hi:
            return F.lit(lo)
        mid = (lo + hi + 1) // 2
        return F.when(s >= F.lit(float(edges[mid])), search(mid, hi)).otherwise(search(lo, mid - 1))

    return (
        F.when(s.isNull() | F.isnan(s), F.lit(None))
        .when(s < 0, F.lit(-1))
        .when(s > 1, F.lit(n_bins))
        .otherwise(inner if inner is not None else search(0, n_bins - 1))
    )
