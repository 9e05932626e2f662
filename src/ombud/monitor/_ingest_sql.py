"""Build windows inside DuckDB: a SQL query (or relation) in, one summary row per window out.

``build_windows`` reads the whole prediction log into pandas; for a year of Parquet files that
is the wrong place to summarise it. ``build_windows_sql`` runs the plan of ``_sql_plan`` as a
``GROUP BY`` on the period start where the data lives: DuckDB streams the files, and only the
window summaries (one row per period, plus the Tally cells) reach Python. Three passes over the
source: feature summaries, checks and row digest in one; the two Tallies (every row's outputs,
the labelled rows' outcomes) through the stats core's own SQL aggregation.

The row digest needs the same per-row hash as the pandas path; it runs as a vectorised Arrow
UDF (``_digest.row_lanes`` on each chunk DuckDB hands over), and its lanes are summed in the
same GROUP BY. The windows equal those of ``build_windows`` on the same rows (the test suite's
oracle), digest included. Two differences, both documented: rows have no order in SQL, so there
is no "rows were not in order" note, and errors give a count and an example value rather than a
row number.
"""

from __future__ import annotations

import inspect
import uuid
from dataclasses import replace
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from duckdb.func import FunctionNullHandling, PythonUDFType

from ombud.monitor._digest import arrow_lanes, split_lanes
from ombud.monitor._errors import MonitorError
from ombud.monitor._ingest import _WINDOW, Ingest, split_windows
from ombud.monitor._periods import Notes, period_end
from ombud.monitor._spec import MonitorSpec
from ombud.monitor._sql_plan import (
    DIGEST_FIELDS,
    DIGEST_TYPE,
    KEY,
    LABEL,
    PRED,
    SCORE,
    check,
    digest,
    plan,
    quote,
    summaries,
    window_index,
)
from ombud.monitor._window import Window
from ombud.stats import ClassificationSpec, Tally, TallyError, build_tally_sql

_SRC = "__ombud_src"
_BASE = "__ombud_base"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def hash_chunk(*arrays: Any) -> pa.StructArray:
    """The UDF: lane hashes of a chunk of rows (UTC ns first, then the spec's other columns),
    each lane as two int64 halves so SQL can sum them without overflow."""
    ts = pc.fill_null(arrays[0], 0).to_numpy(zero_copy_only=False)
    halves = split_lanes(arrow_lanes(ts, arrays[1:]))
    return pa.StructArray.from_arrays(
        [pa.array(halves[:, j]) for j in range(halves.shape[1])], names=list(DIGEST_FIELDS)
    )


def _with_arity(fn: Any, n: int) -> Any:
    """``fn(*arrays)`` with an explicit n-parameter signature (DuckDB checks the arity)."""

    def call(*arrays: Any) -> Any:
        return fn(*arrays)

    params = [inspect.Parameter(f"a{i}", inspect.Parameter.POSITIONAL_ONLY) for i in range(n)]
    call.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return call


def build_windows_sql(
    source: str | duckdb.DuckDBPyRelation,
    spec: MonitorSpec,
    *,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> Ingest:
    """One window per period in the result of a DuckDB query (or relation), summarised in SQL.

    ``source`` is a SQL query (``SELECT * FROM read_parquet('logs/*.parquet')``) run on
    ``connection`` (default: a private in-memory database), or a DuckDB relation, which must
    belong to ``connection`` (default: DuckDB's default connection, where ``duckdb.sql`` makes
    them).
    """
    token = uuid.uuid4().hex[:12]
    func = f"ombud_row_hash_{token}"
    view = None
    if isinstance(source, str):
        con = connection if connection is not None else duckdb.connect(":memory:")
        if connection is None:
            con.execute("SET enable_progress_bar = false")
        inner = source.strip().rstrip(";")
    else:
        con = connection if connection is not None else duckdb.default_connection()
        view = f"__ombud_view_{token}"
        source.to_view(view, replace=True)
        inner = f"SELECT * FROM {quote(view)}"
    try:
        return _run(con, inner, spec, func)
    finally:
        if view is not None:
            con.execute(f"DROP VIEW IF EXISTS {quote(view)}")
        if connection is None and isinstance(source, str):
            con.close()


def _describe(con: duckdb.DuckDBPyConnection, inner: str) -> dict[str, str]:
    try:
        rows = con.sql(f"DESCRIBE SELECT * FROM ({inner})").fetchall()
    except duckdb.CatalogException as exc:
        raise MonitorError(
            f"SQL query: {_first_line(exc)}; a relation must come from the connection passed "
            "as connection="
            if "__ombud_view_" in inner
            else f"SQL query: {_first_line(exc)}"
        ) from None
    except duckdb.Error as exc:
        raise MonitorError(f"SQL query: {_first_line(exc)}") from None
    return {str(r[0]): str(r[1]) for r in rows}


def _run(con: duckdb.DuckDBPyConnection, inner: str, spec: MonitorSpec, func: str) -> Ingest:
    types = _describe(con, inner)
    p = plan(spec, types, hash_call=func)
    params: list[str] = ["BIGINT", *(types[c] for c in spec.columns if c != spec.timestamp)]
    con.create_function(
        func,
        _with_arity(hash_chunk, len(params)),
        list(params),
        DIGEST_TYPE,
        type=PythonUDFType.ARROW,
        null_handling=FunctionNullHandling.SPECIAL,
    )
    try:
        sql = (
            f"WITH {_SRC} AS ({inner}), {_BASE} AS (SELECT *, {', '.join(p.base)} FROM {_SRC}) "
            f"SELECT {KEY}, {', '.join(p.aggs)} FROM {_BASE} GROUP BY {KEY} ORDER BY {KEY}"
        )
        try:
            table = con.sql(sql).to_arrow_table()
        except duckdb.Error as exc:
            raise MonitorError(f"SQL query: {_first_line(exc)}") from None
    finally:
        con.remove_function(func)
    notes = Notes()
    if table.num_rows == 0:
        notes.add("the prediction log has no rows; no window was built")
        return Ingest(windows=(), notes=tuple(notes.lines))
    check(table, spec)
    if p.naive_time:
        notes.add(f"timestamps in {spec.timestamp!r} have no time zone; they were taken as UTC")
    rows = f"WITH {_SRC} AS ({inner}) SELECT {', '.join(p.tally_base)} FROM {_SRC}"
    keys = [int(k) for k in table[KEY].to_pylist()]
    tally_spec = _tally_spec(spec)
    zero = f"SELECT * {f'EXCLUDE ({LABEL})' if spec.label else ''}, CAST(0 AS BIGINT) AS {LABEL}"
    outputs = _tallies(con, f"{zero} FROM ({rows})", tally_spec, keys)
    n_labelled = (
        [int(v or 0) for v in table["n_labelled"].to_pylist()] if spec.label else [0] * len(keys)
    )
    labelled: list[Tally | None] = (
        _tallies(con, f"SELECT * FROM ({rows}) WHERE {LABEL} IS NOT NULL", tally_spec, keys)
        if spec.label and any(n_labelled)
        else [None] * len(keys)
    )
    return Ingest(windows=assemble(table, spec, outputs, labelled), notes=tuple(notes.lines))


def _tally_spec(spec: MonitorSpec) -> ClassificationSpec:
    return ClassificationSpec(
        label=LABEL,
        prediction=PRED if spec.prediction else None,
        score=SCORE if spec.score else None,
        groups=spec.sensitive,
        window=_WINDOW,
        score_bins=spec.score_edges or 10,
    )


def _tallies(
    con: duckdb.DuckDBPyConnection, rows: str, tally_spec: ClassificationSpec, keys: list[int]
) -> list[Tally | None]:
    query = f"SELECT * EXCLUDE ({KEY}), {KEY} AS {_WINDOW} FROM ({rows})"
    try:
        tally = build_tally_sql(query, tally_spec, connection=con)
    except TallyError as exc:
        raise MonitorError(str(exc)) from None
    return split_by_key(tally, keys)


def split_by_key(tally: Tally, keys: list[int]) -> list[Tally | None]:
    """One Tally per window, from a Tally whose window column holds period keys (epoch µs)."""
    cells = tally.cells
    at = cells.column_names.index(_WINDOW)
    index = window_index(keys, cells[_WINDOW].to_numpy())
    cells = cells.set_column(at, _WINDOW, pa.array(index, type=pa.int64()))
    return split_windows(replace(tally, cells=cells), len(keys))


def assemble(
    table: pa.Table,
    spec: MonitorSpec,
    outputs: list[Tally | None],
    labelled: list[Tally | None],
) -> tuple[Window, ...]:
    """Windows from the per-window summary table (ordered by key) and the split Tallies."""
    out = []
    n_rows = table["n_rows"].to_pylist()
    n_labelled = table["n_labelled"].to_pylist() if spec.label else [0] * table.num_rows
    for i, key in enumerate(table[KEY].to_pylist()):
        start = pd.Timestamp(int(key) * 1000, unit="ns", tz="UTC")
        out.append(
            Window(
                spec_digest=spec.digest,
                period=spec.period,
                start=start.to_pydatetime(),
                end=period_end(start, spec.period).to_pydatetime(),
                n_rows=int(n_rows[i]),
                n_labelled=int(n_labelled[i] or 0),
                outputs=outputs[i],
                labelled=labelled[i],
                features=summaries(table, i, spec),
                rows_digest=digest(table, i),
            )
        )
    return tuple(out)
