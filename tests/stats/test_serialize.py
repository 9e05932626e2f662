"""Parquet and JSON round trips give back the very same Tally.

Oracle: the Tally before writing, compared exactly (keys, counts, float sums bit for bit).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ombud.stats import (
    ClassificationSpec,
    RegressionSpec,
    TallyError,
    build_tally,
    from_json,
    read_parquet,
    suppress_small_cells,
    to_json,
    to_parquet,
)

rows = st.tuples(
    st.sampled_from(["a", "b", None]),
    st.integers(0, 1),
    st.integers(0, 1),
    st.floats(0, 1, allow_nan=False),
    st.floats(1e-3, 1e3, allow_nan=False),
    st.dates(dt.date(2024, 1, 1), dt.date(2024, 1, 5)),
)


@settings(max_examples=6, deadline=None)
@given(st.lists(rows, max_size=30))
def test_round_trips_are_lossless(tmp_path_factory: pytest.TempPathFactory, data):
    frame = pd.DataFrame(data, columns=["g", "y", "p", "s", "w", "day"])
    frame = frame.astype({"y": "int64", "p": "int64", "s": "float64", "w": "float64"})
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    spec = ClassificationSpec(
        label="y", prediction="p", score="s", groups=("g",), window="day", weight="w"
    )
    tally = suppress_small_cells(build_tally(frame, spec), 2)
    path = tmp_path_factory.mktemp("t") / "tally.parquet"
    to_parquet(tally, path)
    assert read_parquet(path).equals(tally)
    assert from_json(to_json(tally)).equals(tally)
    reg = build_tally(frame, RegressionSpec(outcome="s", prediction="w", groups=("g",)))
    assert from_json(to_json(reg)).equals(reg)


def test_reading_something_else_fails_clearly(tmp_path: Path):
    """Oracle: a plain Parquet file and a JSON document of another format."""
    pd.DataFrame({"a": np.arange(3)}).to_parquet(tmp_path / "plain.parquet")
    with pytest.raises(TallyError, match="not an Ombud Tally"):
        read_parquet(tmp_path / "plain.parquet")
    with pytest.raises(TallyError, match=r"not an ombud\.tally"):
        from_json('{"format": "other", "version": 1, "columns": []}')
