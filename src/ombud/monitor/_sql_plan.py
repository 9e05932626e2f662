"""The SQL that turns a prediction log into per-window summaries inside a database engine.

The pandas ingest (``_ingest``) reads every row into Python; this plan instead states each window
summary as SQL aggregates over a ``GROUP BY`` on the period start, so DuckDB (``_ingest_sql``)
computes them where the rows are and only one row per window comes back. Every expression
mirrors a rule of the pandas path: a value is missing when NULL (or NaN for floats); histogram
bins are ``searchsorted(edges, x, 'right')`` written as a sum of comparisons with the same
double edges; a categorical value is its Python ``str`` (``True``/``False`` for booleans); the
moments are count/mean/population variance (M2 = n·var_pop). The result table's columns are
named here and read back by ``assemble``, which the Spark path shares.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ombud.monitor._digest import LANES, from_halves
from ombud.monitor._errors import ColumnError, TimestampError
from ombud.monitor._features import CategoricalSummary, NumericSummary, Summary
from ombud.monitor._spec import CategoricalFeature, MonitorSpec, NumericFeature, Scalar

KEY = "__ombud_key__"
PRED = "__ombud_prediction__"
SCORE = "__ombud_score__"
LABEL = "__ombud_label__"
TS_NS = "__ombud_ts_ns__"
HASH = "__ombud_rows__"
DIGEST_FIELDS = tuple(f"d{i}" for i in range(2 * LANES))
DIGEST_TYPE = "STRUCT(" + ", ".join(f"{d} BIGINT" for d in DIGEST_FIELDS) + ")"

_INTS = (
    *("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"),
    *("UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"),
)
_FLOATS = ("FLOAT", "DOUBLE", "REAL")
_SPARK_INTS = ("BYTE", "SHORT", "INT", "LONG")


def quote(name: str, spark: bool = False) -> str:
    """An identifier: "name" in DuckDB, `name` in Spark SQL."""
    if spark:
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


def text(value: str, spark: bool = False) -> str:
    """A string literal; Spark SQL escapes with backslashes, DuckDB doubles the quote."""
    if spark:
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return "'" + value.replace("'", "''") + "'"


def isinf(x: str) -> str:
    """Spark SQL has no isinf; this spelling works in both engines."""
    return f"(abs({x}) = CAST('Infinity' AS DOUBLE))"


def double(x: float) -> str:
    """A DOUBLE literal that round-trips (17 significant digits, exponent form)."""
    return f"{x:.17e}"


def kind_of(type_name: str) -> str:
    """numeric, float, boolean, text, time or other, from a DuckDB or Spark type name."""
    t = type_name.upper()
    if t in _FLOATS:
        return "float"
    if t in _INTS or t in _SPARK_INTS or t.startswith("DECIMAL"):
        return "numeric"
    if t == "BOOLEAN":
        return "boolean"
    if t in ("VARCHAR", "STRING"):
        return "text"
    if t.startswith(("TIMESTAMP", "DATE")):
        return "time"
    return "other"


def present(col: str, kind: str) -> str:
    return (
        f"({col} IS NOT NULL AND NOT isnan({col}))" if kind == "float" else f"({col} IS NOT NULL)"
    )


@dataclass(frozen=True)
class Plan:
    """Expressions over the source's columns (``base``) and aggregates over them (``aggs``).

    ``base`` projects each raw row to the derived columns (period key, 0/1 prediction and label,
    score, each feature's bin/value/code, the row hash); ``aggs`` are the per-window summaries
    and the counts of bad values that ``check`` turns into one-line errors.
    """

    base: tuple[str, ...]
    tally_base: tuple[str, ...]
    aggs: tuple[str, ...]
    naive_time: bool


def _binary(
    col: str, kind: str, pos_label: Scalar | None, alias: str, spark: bool
) -> tuple[str, list[str]]:
    """(value expression, [bad-count aggregates]) for a 0/1 column, as ``_ingest.binary``."""
    has = present(col, kind)
    if pos_label is not None:
        if isinstance(pos_label, str):
            hit = f"{col} = {text(pos_label, spark)}" if kind == "text" else "FALSE"
        elif kind in ("numeric", "float", "boolean"):
            hit = f"CAST({col} AS DOUBLE) = {double(float(pos_label))}"
        else:
            hit = "FALSE"
        return f"CASE WHEN {has} THEN CASE WHEN {hit} THEN 1 ELSE 0 END END", []
    if kind in ("numeric", "float", "boolean"):
        v = f"CAST({col} AS DOUBLE)"
        bad = f"{has} AND {v} <> 0 AND {v} <> 1"
        value = f"CASE WHEN {has} AND NOT ({bad}) THEN CAST({v} AS BIGINT) END"
    else:
        bad = has
        value = "CAST(NULL AS BIGINT)"
    return value, [
        f"count_if({bad}) AS {alias}_bad",
        f"CAST(any_value({col}) FILTER (WHERE {bad}) AS STRING) AS {alias}_example",
    ]


def _time(col: str, type_name: str, spec: MonitorSpec, spark: bool) -> tuple[str, str, bool]:
    """(period key in epoch µs, UTC epoch-ns, naive?) expressions for the timestamp column."""
    kind = kind_of(type_name)
    t = type_name.upper()
    if kind == "time":
        if spark:  # 'timestamp' is an instant; timestamp_ntz and date are wall-clock values
            at = col if t == "TIMESTAMP" else f"CAST({col} AS TIMESTAMP)"
            key = f"unix_micros(date_trunc('{spec.period}', {at}))"
            return key, f"unix_micros({at}) * 1000", t != "TIMESTAMP"
        if "TIME ZONE" in t or t.startswith("TIMESTAMPTZ"):
            key = f"epoch_us(date_trunc('{spec.period}', timezone('UTC', {col})))"
            return key, f"epoch_ns({col})", False
        utc = f"CAST({col} AS TIMESTAMP)"
        ns = f"epoch_ns({col})" if t.startswith("TIMESTAMP") else f"epoch_ns({utc})"
        return f"epoch_us(date_trunc('{spec.period}', {utc}))", ns, True
    if kind in ("numeric", "float", "boolean"):
        raise TimestampError(
            f"column {spec.timestamp!r}: numbers are not timestamps; convert epoch values in the "
            f"query, e.g. to_timestamp({spec.timestamp})"
        )
    raise TimestampError(
        f"column {spec.timestamp!r} is {type_name}, not a timestamp; cast it in the query, "
        f"e.g. CAST({spec.timestamp} AS TIMESTAMPTZ)"
    )


def _counts(i: int, code: str, n_counts: int) -> list[str]:
    """One ``count_if`` per bin: in DuckDB 2.0 twice as fast as one ``histogram`` MAP
    aggregate (measured on the benchmark's day), and Spark has no ``histogram``."""
    return [f"count_if({code} = {b}) AS f{i}_c{b}" for b in range(n_counts)]


def _numeric_feature(i: int, f: NumericFeature, col: str, kind: str) -> tuple[list[str], list[str]]:
    if kind == "boolean":
        raise ColumnError(
            f"column {f.name!r}: booleans in a numeric feature; refit it as categorical"
        )
    raw = f"CAST({col} AS DOUBLE)" if kind in ("numeric", "float") else f"TRY_CAST({col} AS DOUBLE)"
    value = f"CASE WHEN isnan({raw}) THEN NULL ELSE {raw} END"
    x = f"__f{i}_x"
    base = [f"{value} AS {x}"]
    bins = " + ".join(f"CAST(({value}) >= {double(e)} AS INTEGER)" for e in f.edges)
    base.append(f"{bins} AS __f{i}_b")
    parses = kind in ("numeric", "float")
    unparsable = "FALSE" if parses else f"{col} IS NOT NULL AND {raw} IS NULL"
    base.append(f"{unparsable} AS __f{i}_unparsable")
    base.append(f"{isinf(raw)} AS __f{i}_inf")
    aggs = _counts(i, f"__f{i}_b", f.n_counts)
    aggs += [
        f"count(*) - count({x}) AS f{i}_missing",
        f"count({x}) AS f{i}_n",
        f"avg({x}) AS f{i}_mean",
        f"var_pop({x}) AS f{i}_var",
        f"min({x}) AS f{i}_min",
        f"max({x}) AS f{i}_max",
        f"count_if(__f{i}_unparsable) AS f{i}_bad",
        f"CAST(any_value({col}) FILTER (WHERE __f{i}_unparsable) AS STRING) AS f{i}_example",
        f"count_if(__f{i}_inf) AS f{i}_inf",
    ]
    return base, aggs


def _categorical_feature(
    i: int, f: CategoricalFeature, col: str, kind: str, spark: bool
) -> tuple[list[str], list[str]]:
    if kind == "boolean":
        s = f"CASE WHEN {col} THEN 'True' WHEN NOT {col} THEN 'False' END"
    elif kind == "float":
        s = f"CASE WHEN isnan({col}) THEN NULL ELSE CAST({col} AS STRING) END"
    elif kind == "text":
        s = col
    else:
        s = f"CAST({col} AS STRING)"
    k = len(f.categories)
    whens = " ".join(
        f"WHEN __f{i}_s = {text(c, spark)} THEN {j}" for j, c in enumerate(f.categories)
    )
    others = [c for c in f.known if c not in set(f.categories)]
    other = (
        f"WHEN __f{i}_s IN ({', '.join(text(c, spark) for c in others)}) THEN {k} "
        if others
        else ""
    )
    code = f"CASE WHEN __f{i}_s IS NULL THEN NULL {whens} {other}ELSE {k + 1} END"
    base = [f"{s} AS __f{i}_s"]
    aggs = _counts(i, code, f.n_counts)
    aggs.append(f"count_if(__f{i}_s IS NULL) AS f{i}_missing")
    return base, aggs


def plan(spec: MonitorSpec, types: dict[str, str], *, hash_call: str, spark: bool = False) -> Plan:
    """The SQL for ``spec`` over a source whose columns have these DuckDB (or Spark) types.

    For Spark the session time zone must be UTC while the query runs (``date_trunc`` works in
    it); ``_ingest_spark`` sets it and puts it back.
    """
    missing = [c for c in spec.columns if c not in types]
    if missing:
        kinds = dict.fromkeys(spec.feature_names, "feature")
        named = ", ".join(f"{c!r} ({kinds.get(c, 'column')})" for c in missing)
        shown = ", ".join(list(types)[:30])
        raise ColumnError(f"the query's result lacks {named}; it has: {shown}")
    kind = {c: kind_of(types[c]) for c in spec.columns}
    q = {c: quote(c, spark) for c in spec.columns}
    key, ns, naive = _time(q[spec.timestamp], types[spec.timestamp], spec, spark)
    common = [f"{key} AS {KEY}"]
    common += [q[g] for g in spec.sensitive]
    aggs: list[str] = ["count(*) AS n_rows"]
    base_extra: list[str] = []
    if spec.prediction:
        col = q[spec.prediction]
        value, bad = _binary(col, kind[spec.prediction], spec.pos_label, "pred", spark)
        common.append(f"{value} AS {PRED}")
        aggs += bad
        aggs.append(f"count_if(NOT {present(col, kind[spec.prediction])}) AS pred_missing")
    if spec.score:
        col = q[spec.score]
        k = kind[spec.score]
        if k == "boolean":  # pandas refuses booleans as scores, whatever their values
            s, unparsable = "CAST(NULL AS DOUBLE)", "TRUE"
        elif k in ("numeric", "float"):
            s, unparsable = f"CAST({col} AS DOUBLE)", "FALSE"
        else:  # text parses as pandas' to_numeric would; missing text is not a score either
            s = f"TRY_CAST({col} AS DOUBLE)"
            unparsable = f"{s} IS NULL"
        common.append(f"{s} AS {SCORE}")
        base_extra.append(f"{unparsable} AS __score_unparsable")
        aggs += [
            "count_if(__score_unparsable) AS score_bad",
            f"CAST(any_value({col}) FILTER (WHERE __score_unparsable) AS STRING) AS score_example",
            f"count_if(NOT __score_unparsable AND ({SCORE} IS NULL OR isnan({SCORE}) OR "
            f"{isinf(SCORE)} OR {SCORE} < 0 OR {SCORE} > 1)) AS score_range",
            f"CAST(any_value({col}) FILTER (WHERE NOT __score_unparsable AND ({SCORE} IS NULL "
            f"OR isnan({SCORE}) OR {isinf(SCORE)} OR {SCORE} < 0 OR {SCORE} > 1)) AS STRING) "
            "AS score_range_example",
        ]
    if spec.label:
        value, bad = _binary(q[spec.label], kind[spec.label], spec.pos_label, "label", spark)
        common.append(f"{value} AS {LABEL}")
        aggs += bad
        aggs.append(f"count_if({present(q[spec.label], kind[spec.label])}) AS n_labelled")
    for i, f in enumerate(spec.features):
        if isinstance(f, NumericFeature):
            b, a = _numeric_feature(i, f, q[f.name], kind[f.name])
        else:
            b, a = _categorical_feature(i, f, q[f.name], kind[f.name], spark)
        base_extra += b
        aggs += a
    others = [q[c] for c in spec.columns if c != spec.timestamp]
    base_extra.append(f"{hash_call}({', '.join([ns, *others])}) AS {HASH}")
    aggs += [f"sum({HASH}.{d}) AS {d}" for d in DIGEST_FIELDS]
    return Plan(
        base=tuple(common + base_extra),
        tally_base=tuple(common),
        aggs=tuple(aggs),
        naive_time=naive,
    )


def _count(table: pa.Table, name: str) -> int:
    if name not in table.column_names:
        return 0
    return sum(int(v or 0) for v in table[name].to_pylist())


def _example(table: pa.Table, name: str) -> str:
    for v in table[name].to_pylist():
        if v is not None:
            return repr(v)
    return "a value"


_NOT_01 = "not 0/1; fit the monitor with pos_label=<positive value>"


def check(table: pa.Table, spec: MonitorSpec) -> None:
    """Raise the first bad-value error, in the order the pandas path checks columns.

    Each check is (count column, example column or None, data column, what is wrong).
    """
    keys = table[KEY].to_pylist()
    if None in keys:
        n = int(table["n_rows"].to_pylist()[keys.index(None)])
        raise TimestampError(
            f"column {spec.timestamp!r}: {n} row(s) have no timestamp; "
            "every prediction needs a time"
        )
    checks: list[tuple[str, str | None, str, str]] = []
    if spec.prediction:
        checks.append(("pred_missing", None, spec.prediction, "missing; every row needs one"))
        checks.append(("pred_bad", "pred_example", spec.prediction, _NOT_01))
    if spec.score:
        checks.append(("score_bad", "score_example", spec.score, "not a numeric score"))
        checks.append(
            ("score_range", "score_range_example", spec.score, "missing or outside [0, 1]")
        )
    if spec.label:
        checks.append(("label_bad", "label_example", spec.label, _NOT_01))
    for i, f in enumerate(spec.features):
        if isinstance(f, NumericFeature):
            nan = "not a number; the reference made this feature numeric"
            checks.append((f"f{i}_bad", f"f{i}_example", f.name, nan))
            inf = "infinite; replace with a finite number or a missing value"
            checks.append((f"f{i}_inf", None, f.name, inf))
    for count, example, column, what in checks:
        n = _count(table, count)
        if n:
            shown = f" (e.g. {_example(table, example)})" if example else ""
            raise ColumnError(f"column {column!r}: {n} row(s){shown}: {what}")


def summaries(table: pa.Table, row: int, spec: MonitorSpec) -> tuple[Summary, ...]:
    """The feature summaries of result row ``row`` (one window)."""
    out: list[Summary] = []
    for i, f in enumerate(spec.features):
        counts = tuple(int(table[f"f{i}_c{b}"][row].as_py() or 0) for b in range(f.n_counts))
        missing = int(table[f"f{i}_missing"][row].as_py() or 0)
        if isinstance(f, CategoricalFeature):
            out.append(CategoricalSummary(counts, missing))
            continue
        n = int(table[f"f{i}_n"][row].as_py() or 0)
        mean, var, lo, hi = (table[f"f{i}_{m}"][row].as_py() for m in ("mean", "var", "min", "max"))
        out.append(
            NumericSummary(
                counts=counts,
                missing=missing,
                n=n,
                mean=math.nan if n == 0 else float(mean),
                m2=0.0 if n == 0 or var is None else float(var) * n,
                min=math.nan if n == 0 else float(lo),
                max=math.nan if n == 0 else float(hi),
            )
        )
    return tuple(out)


def digest(table: pa.Table, row: int) -> str:
    return from_halves([int(table[d][row].as_py() or 0) for d in DIGEST_FIELDS])


def window_index(keys: Sequence[int], values: np.ndarray) -> np.ndarray:
    """Map period keys (epoch µs) found in a Tally's cells to window indices 0..n-1."""
    return np.searchsorted(np.asarray(keys, dtype=np.int64), values.astype(np.int64))
