"""Build a Tally in one pass, with DuckDB doing the GROUP BY for every local source.

pandas, polars and Arrow data are scanned by DuckDB without a copy, files and globs are streamed
by its Parquet/CSV readers, and a SQL query runs where it is; so there is one aggregation code
path (the SQL below) whatever the source, and Tallies from different sources agree.
"""

from __future__ import annotations

import functools
import glob as globlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from ombud.stats._errors import TallyError
from ombud.stats._finish import BAD_WEIGHT, MISSING, finish
from ombud.stats._spec import ClassificationSpec, RegressionSpec, Spec, check_columns
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

_SOURCE = "ombud_tally_source"


@functools.cache
def _engine() -> duckdb.DuckDBPyConnection:
    # Opening a DuckDB database costs ~35 ms; a cursor on one shared in-memory database costs
    # microseconds and has its own registrations, so each build gets a private cursor.
    return duckdb.connect(":memory:")


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _double(x: float) -> str:
    # An exponent makes DuckDB read the literal as DOUBLE (not DECIMAL), and 17 significant
    # digits round-trip, so the SQL compares against exactly the same edge as numpy would.
    return f"{x:.17e}"


def bin_sql(score: str, edges: Sequence[float]) -> str:
    """Bin index with ``searchsorted(edges, s, 'right') - 1`` semantics, 1.0 in the last bin.

    Written as a binary search of nested CASEs: log2(bins) comparisons per row, and the same
    IEEE comparisons in every engine (no floor(s * bins) rounding that would disagree with the
    thresholds at the edges).
    """
    n_bins = len(edges) - 1
    step = uniform_step(edges)
    guard = (
        f"CASE WHEN {score} IS NULL OR isnan({score}) THEN NULL WHEN {score} < 0 THEN -1 "
        f"WHEN {score} > 1 THEN {n_bins} ELSE "
    )
    if step is not None:
        # floor(s * B) can be one off near an edge; compare with the edges k * step themselves.
        b0 = f"least(CAST(floor({score} * {n_bins}) AS BIGINT), {n_bins - 1})"
        fix_down = f"CASE WHEN {score} < {b0} * {_double(step)} THEN 1 ELSE 0 END"
        fix_up = (
            f"CASE WHEN {b0} < {n_bins - 1} AND {score} >= ({b0} + 1) * {_double(step)} "
            "THEN 1 ELSE 0 END"
        )
        return f"{guard}{b0} - {fix_down} + {fix_up} END"

    def search(lo: int, hi: int) -> str:
        if lo == hi:
            return str(lo)
        mid = (lo + hi + 1) // 2
        return f"CASE WHEN {score} >= {_double(edges[mid])} THEN {search(mid, hi)} " + (
            f"ELSE {search(lo, mid - 1)} END"
        )

    return f"{guard}{search(0, n_bins - 1)} END"


def _nan_or_null(expr: str) -> str:
    return f"({expr} IS NULL OR isnan({expr}))"


def aggregation_sql(spec: Spec, source: str, types: Mapping[str, str]) -> str:
    """The one GROUP BY that every local source goes through."""
    strata = [quote(c) for c in (*spec.groups, *([spec.window] if spec.window else []))]
    w = f"CAST({quote(spec.weight)} AS DOUBLE)" if spec.weight else "1.0"
    bad_w = f"count_if({_nan_or_null(w)} OR {w} < 0)" if spec.weight else "CAST(0 AS BIGINT)"
    select = [*strata]
    values = [f"count(*) AS {ROW_COUNT}", f"sum({w}) AS {WEIGHT}"]
    if isinstance(spec, RegressionSpec):
        y = f"CAST({quote(spec.outcome)} AS DOUBLE)"
        p = f"CAST({quote(spec.prediction)} AS DOUBLE)"
        select.append(f"({_nan_or_null(y)} OR {_nan_or_null(p)}) AS {MISSING}")
        exprs = [y, p, f"{y}*{y}", f"{p}*{p}", f"{y}*{p}", f"abs({y}-{p})", f"({y}-{p})*({y}-{p})"]
        values += [f"sum({w}*{e}) AS {n}" for e, n in zip(exprs, REGRESSION_SUMS, strict=True)]
    else:
        select.append(_raw_key(spec.label, types) + f" AS {LABEL}")
        if spec.prediction:
            select.append(_raw_key(spec.prediction, types) + f" AS {PREDICTION}")
        if spec.score and spec.edges:
            s = f"CAST({quote(spec.score)} AS DOUBLE)"
            select.append(f"{bin_sql(s, spec.edges)} AS {SCORE_BIN}")
            values += [f"sum({w}*{s}) AS {SUM_SCORE}", f"sum({w}*{s}*{s}) AS {SUM_SCORE_SQ}"]
    values.append(f"{bad_w} AS {BAD_WEIGHT}")
    return f"SELECT {', '.join(select + values)} FROM {source} GROUP BY ALL"


def _raw_key(column: str, types: Mapping[str, str]) -> str:
    # NaN and NULL must land in the same (missing) cell; DuckDB groups NaN on its own.
    col = quote(column)
    if types.get(column, "").upper() in ("DOUBLE", "FLOAT", "REAL"):
        return f"CASE WHEN isnan({col}) THEN NULL ELSE {col} END"
    return col


def _aggregate(con: duckdb.DuckDBPyConnection, relation: str, spec: Spec, where: str) -> Tally:
    try:
        described = con.sql(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    except duckdb.Error as exc:
        raise TallyError(f"{where}: cannot read it ({_first_line(exc)})") from exc
    types = {str(row[0]): str(row[1]) for row in described}
    check_columns(spec, list(types), where)
    sql = aggregation_sql(spec, relation, types)
    try:
        raw = con.sql(sql).to_arrow_table()
    except duckdb.Error as exc:
        raise TallyError(f"{where}: aggregation failed ({_first_line(exc)})") from exc
    return finish(raw, spec, where)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def build_tally(source: Any, spec: Spec) -> Tally:
    """One pass over ``source``: pandas/polars DataFrame, Arrow table/dataset/reader, a mapping
    of column name to array, or a Parquet/CSV path or glob (streamed, never loaded whole)."""
    con = _engine().cursor()
    try:
        if isinstance(source, str | Path):
            relation, where = _file_relation(str(source)), f"file {str(source)!r}"
            relation = _csv_text_booleans(con, relation, spec)
        else:
            con.register(_SOURCE, _as_scannable(source))
            relation, where = _SOURCE, type(source).__name__
        return _aggregate(con, relation, spec, where)
    finally:
        con.close()


def build_tally_sql(
    query: str, spec: Spec, connection: duckdb.DuckDBPyConnection | None = None
) -> Tally:
    """Run the aggregation as a GROUP BY over a DuckDB query (on ``connection`` if given)."""
    con = connection if connection is not None else _engine().cursor()
    try:
        return _aggregate(con, f"({query})", spec, "SQL query")
    finally:
        if connection is None:
            con.close()


def _file_relation(path: str) -> str:
    has_glob = any(ch in path for ch in "*?[")
    if not has_glob and not Path(path).is_file():
        raise TallyError(f"file {path!r} does not exist or is not a file; check the path")
    if has_glob and not globlib.glob(path, recursive=True):
        raise TallyError(f"no file matches the glob {path!r}; check the pattern")
    lower = path.lower()
    literal = "'" + path.replace("'", "''") + "'"
    if lower.endswith((".parquet", ".pq", ".parquet*")):
        return f"read_parquet({literal})"
    if lower.endswith((".csv", ".csv.gz", ".tsv", ".txt")):
        return f"read_csv({literal})"
    raise TallyError(f"file {path!r}: unknown format; name it *.parquet or *.csv")


def _csv_text_booleans(con: duckdb.DuckDBPyConnection, relation: str, spec: Spec) -> str:
    """Keep yes/no (y/n, t/f) outcome columns of a CSV as the text they are.

    DuckDB's CSV sniffer reads ``yes``/``no`` as BOOLEAN, which would silently make
    "yes" the positive class; only a column spelled ``true``/``false`` is taken as
    boolean. Other spellings stay text, so a binary label asks for ``pos_label`` as it
    does for any text column, and ``pos_label='yes'`` then compares with the text.
    Costs one extra scan of such a column, and only when the sniffer said BOOLEAN.
    """
    if not relation.startswith("read_csv(") or not isinstance(spec, ClassificationSpec):
        return relation
    outcome = [c for c in (spec.label, spec.prediction) if c]
    try:
        described = con.sql(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    except duckdb.Error:
        return relation  # _aggregate reports the unreadable file
    as_text = []
    for name, kind, *_ in described:
        if name not in outcome or str(kind).upper() != "BOOLEAN":
            continue
        probe = relation[:-1] + f", types={{{_literal(name)}: 'VARCHAR'}})"
        spellings = con.sql(
            f"SELECT DISTINCT lower(trim({quote(name)})) FROM {probe} "
            f"WHERE {quote(name)} IS NOT NULL LIMIT 3"
        ).fetchall()
        if any(value not in ("true", "false") for (value,) in spellings):
            as_text.append(name)
    if not as_text:
        return relation
    types = ", ".join(f"{_literal(name)}: 'VARCHAR'" for name in as_text)
    return relation[:-1] + f", types={{{types}}})"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _as_scannable(source: Any) -> Any:
    """Something DuckDB can scan without copying; dict of arrays goes through Arrow."""
    if isinstance(source, Mapping):
        return _arrays_to_arrow(source)
    module = type(source).__module__
    if module.startswith("polars"):
        return source.to_arrow()
    if module.startswith(("pandas", "pyarrow")):
        return source
    raise TallyError(
        f"cannot build a Tally from {type(source).__name__}; pass a DataFrame, an Arrow table, "
        "a dict of arrays, or a file path"
    )


def _arrays_to_arrow(columns: Mapping[str, Any]) -> pa.Table:
    lengths = {str(name): len(values) for name, values in columns.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{k}={v}" for k, v in lengths.items())
        raise TallyError(f"arrays have different lengths ({detail}); pass one value per row")
    arrays: dict[str, pa.Array] = {}
    for name, values in columns.items():
        arr = np.asarray(values)
        if arr.ndim != 1:
            raise TallyError(f"array {name!r} has shape {arr.shape}; pass one value per row")
        arrays[str(name)] = pa.array(arr, from_pandas=arr.dtype.kind == "f")
    return pa.table(arrays)
