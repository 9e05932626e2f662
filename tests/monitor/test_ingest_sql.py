"""Windows summarised inside DuckDB equal the windows of the pandas path on the same rows.

Oracle: ``build_windows`` (pandas + numpy) on the very rows the SQL query returns. Counts,
histograms, category tables, the Tallies' integer cells and the row digest must be equal
exactly; means, M2 and float sums within 1e-9 relative (``Window.equals``), because DuckDB adds
in another order.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.monitor._stream import prediction_log

from ombud.monitor import (
    ColumnError,
    MonitorError,
    MonitorSpec,
    TimestampError,
    Window,
    build_windows,
    build_windows_sql,
    fit_spec,
)


def _assert_same(got: tuple[Window, ...], want: tuple[Window, ...]) -> None:
    assert [w.key for w in got] == [w.key for w in want]
    for a, b in zip(got, want, strict=True):
        assert (a.n_rows, a.n_labelled, a.rows_digest) == (b.n_rows, b.n_labelled, b.rows_digest)
        for fa, fb in zip(a.features, b.features, strict=True):
            assert (fa.counts, fa.missing, fa.n) == (fb.counts, fb.missing, fb.n)
        assert a.equals(b), a.key


@pytest.fixture(scope="module")
def messy(log: pd.DataFrame) -> pd.DataFrame:
    """The shared week of log with missing labels, features and unseen categories."""
    frame = log.copy()
    frame["label"] = frame["label"].astype("float64")
    frame.loc[::7, "label"] = np.nan
    frame.loc[::11, "x1"] = np.nan
    frame["colour"] = frame["colour"].astype(object)
    frame.loc[::13, "colour"] = None
    frame.loc[::17, "colour"] = "purple"  # never in the reference: counted as unseen
    return frame


def test_query_over_parquet_equals_pandas_windows(
    spec: MonitorSpec, messy: pd.DataFrame, tmp_path: Path
) -> None:
    """Oracle: build_windows on the same Parquet file read by pandas."""
    shuffled = messy.sample(frac=1.0, random_state=3)
    for i in range(3):
        shuffled.iloc[i::3].to_parquet(tmp_path / f"log-{i}.parquet", index=False)
    glob = str(tmp_path / "*.parquet")
    got = build_windows_sql(f"SELECT * FROM read_parquet('{glob}')", spec)
    want = build_windows(pd.read_parquet(tmp_path), spec)
    assert len(got.windows) == 7
    _assert_same(got.windows, want.windows)
    assert sum(w.n_rows for w in got.windows) == len(messy)
    unseen = sum(w.features[2].counts[-1] for w in got.windows)
    assert unseen == len(messy.iloc[::17])  # set after the ::13 Nones, so every one is seen


def test_relation_on_its_connection(spec: MonitorSpec, messy: pd.DataFrame) -> None:
    """Oracle: build_windows on the frame; the relation is read where it lives."""
    con = duckdb.connect()
    con.register("log", pa.Table.from_pandas(messy, preserve_index=False))
    relation = con.sql("SELECT * FROM log WHERE sex = 'f'")
    got = build_windows_sql(relation, spec, connection=con)
    want = build_windows(messy[messy["sex"] == "f"], spec)
    _assert_same(got.windows, want.windows)
    with pytest.raises(MonitorError, match="connection"):
        build_windows_sql(relation, spec, connection=duckdb.connect())


def test_digest_ignores_the_container(spec: MonitorSpec, log: pd.DataFrame) -> None:
    """An int label read as float (pandas does that when any value is missing), and text read
    as categorical, give the same row digest: the hash is of values, not dtypes."""
    (a,) = build_windows(log.head(300).assign(ts=log["ts"].iloc[0]), spec).windows
    other = log.head(300).assign(
        ts=log["ts"].iloc[0],
        label=log["label"].head(300).astype(float),
        colour=log["colour"].head(300).astype("category"),
    )
    (b,) = build_windows(other, spec).windows
    assert a.rows_digest == b.rows_digest
    (c,) = build_windows(other.assign(x2=other["x2"] + 1e-12), spec).windows
    assert c.rows_digest != a.rows_digest


def test_naive_timestamps_and_text_labels(reference: pd.DataFrame, log: pd.DataFrame) -> None:
    """Oracle: build_windows; naive times are taken as UTC by both, noted by both."""
    spec = fit_spec(
        reference.assign(label=np.where(reference["label"] == 1, "yes", "no")),
        timestamp="ts",
        features=["x1", "colour"],
        sensitive=["sex"],
        prediction="pred",
        score="score",
        label="label",
        period="hour",
        pos_label="yes",
    )
    frame = log.assign(
        ts=log["ts"].dt.tz_localize(None), label=np.where(log["label"] == 1, "yes", "no")
    )
    con = duckdb.connect()
    con.register("log", pa.Table.from_pandas(frame, preserve_index=False))
    got = build_windows_sql("SELECT * FROM log", spec, connection=con)
    want = build_windows(frame, spec)
    assert len(got.windows) == 168
    _assert_same(got.windows, want.windows)
    assert any("no time zone" in n for n in got.notes)


_ROWS = st.integers(min_value=1, max_value=60)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=_ROWS,
    seed=st.integers(0, 2**31 - 1),
    period=st.sampled_from(["hour", "day", "week", "month"]),
    tz=st.sampled_from([None, "UTC"]),
    missing=st.floats(0.0, 0.6),
)
def test_any_small_frame_equals_pandas(
    spec: MonitorSpec, n: int, seed: int, period: str, tz: str | None, missing: float
) -> None:
    """Property, oracle build_windows: random small logs over ~2 months, with missing labels,
    features, categories and sensitive values, duplicate times, any period."""
    rng = np.random.default_rng(seed)
    frame = prediction_log(n, seed=seed, days=60, tz=tz)
    frame.loc[rng.uniform(size=n) < 0.3, "ts"] = frame["ts"].iloc[0]  # duplicate instants
    frame["label"] = frame["label"].astype(float).where(rng.uniform(size=n) >= missing)
    frame["x1"] = frame["x1"].where(rng.uniform(size=n) >= missing)
    frame["x2"] = np.where(rng.uniform(size=n) < 0.1, 1e6, frame["x2"])  # overflow bin
    frame["colour"] = frame["colour"].astype(object).where(rng.uniform(size=n) >= missing)
    frame["age"] = frame["age"].astype(object).where(rng.uniform(size=n) >= missing / 2)
    the_spec = MonitorSpec.from_json(
        spec.to_json().replace('"period":"day"', f'"period":"{period}"')
    )
    table = pa.Table.from_pandas(frame, preserve_index=False)
    con = duckdb.connect()
    con.register("log", table)
    got = build_windows_sql("SELECT * FROM log", the_spec, connection=con)
    want = build_windows(table, the_spec)
    _assert_same(got.windows, want.windows)


def _con(frame: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register("log", pa.Table.from_pandas(frame, preserve_index=False))
    return con


def test_bad_queries_are_one_line(spec: MonitorSpec, log: pd.DataFrame) -> None:
    con = _con(log.head(50))
    cases: list[tuple[str, type[Exception], str]] = [
        ("SELEC * FROM log", MonitorError, "SQL query: Parser Error"),
        ("SELECT * FROM nowhere", MonitorError, "SQL query: Catalog Error"),
        ("SELECT * EXCLUDE (x2) FROM log", ColumnError, "lacks 'x2' \\(feature\\)"),
        (
            "SELECT * REPLACE ('high' AS score) FROM log",
            ColumnError,
            "column 'score': 50 row\\(s\\) \\(e.g. 'high'\\): not a numeric score",
        ),
        ("SELECT * REPLACE (score * 2 AS score) FROM log", ColumnError, "outside \\[0, 1\\]"),
        ("SELECT * REPLACE (pred + 1 AS pred) FROM log", ColumnError, "'pred'.*not 0/1"),
        (
            "SELECT * REPLACE (NULL::TIMESTAMP AS ts) FROM log",
            TimestampError,
            "50 row\\(s\\) have no",
        ),
        ("SELECT * REPLACE (CAST(ts AS VARCHAR) AS ts) FROM log", TimestampError, "CAST"),
        ("SELECT * REPLACE (42 AS ts) FROM log", TimestampError, "numbers are not"),
        ("SELECT * REPLACE ('x' AS x1) FROM log", ColumnError, "'x1'.*not a number"),
        ("SELECT * REPLACE ('inf'::DOUBLE AS x1) FROM log", ColumnError, "infinite"),
    ]
    for query, error, message in cases:
        with pytest.raises(error, match=message) as info:
            build_windows_sql(query, spec, connection=con)
        assert "\n" not in str(info.value), query


def test_an_empty_result_builds_no_window(spec: MonitorSpec, log: pd.DataFrame) -> None:
    got = build_windows_sql("SELECT * FROM log WHERE false", spec, connection=_con(log.head(5)))
    assert got.windows == ()
    assert got.notes == ("the prediction log has no rows; no window was built",)


_VALUES = st.one_of(
    st.lists(st.one_of(st.none(), st.integers(-(2**40), 2**40)), min_size=1, max_size=30),
    st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)), min_size=1),
    st.lists(st.one_of(st.none(), st.booleans()), min_size=1, max_size=30),
    st.lists(st.one_of(st.none(), st.text(max_size=5)), min_size=1, max_size=30),
)


@settings(max_examples=60, deadline=None)
@given(values=_VALUES, as_dictionary=st.booleans())
def test_arrow_codes_equal_pandas_codes(values: list[object], as_dictionary: bool) -> None:
    """Oracle: value_codes on the pandas column that Arrow converts to (ints with a null
    become floats, booleans with a null objects): the UDF's codes must not see the difference."""
    from ombud.monitor._digest import arrow_codes, value_codes

    array = pa.array(values)
    if as_dictionary and pa.types.is_string(array.type):
        array = array.dictionary_encode()
    want = value_codes(pd.Series(array.to_pandas()))
    np.testing.assert_array_equal(arrow_codes(array), want)
    np.testing.assert_array_equal(arrow_codes(pa.chunked_array([array])), want)
