"""Late labels joined by record id: a window amended with late labels must be the window built
from rows that carried the same labels from the start.

Oracle: ``build_windows`` on the fully labelled frame (the ordinary ingest path), compared
with exact Tally equality (counts and float sums bit for bit, ``rtol=0``).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.monitor._stream import prediction_log

from ombud.monitor import (
    ColumnError,
    MonitorError,
    MonitorSpec,
    Window,
    build_windows,
    fit_spec,
    label_window,
    read_labels,
    record_index,
)


@pytest.fixture(scope="module")
def id_spec() -> MonitorSpec:
    reference = prediction_log(3_000, seed=11)
    return fit_spec(
        reference,
        timestamp="ts",
        features=["x1", "colour"],
        sensitive=["sex", "age"],
        prediction="pred",
        score="score",
        label="label",
        record_id="rid",
    )


def _log(n: int, seed: int) -> pd.DataFrame:
    frame = prediction_log(n, seed=seed, days=5)
    return frame.assign(rid=[f"r{seed}-{i}" for i in range(n)])


def _late_amend(frame: pd.DataFrame, late: np.ndarray, spec: MonitorSpec) -> list[Window]:
    """What storage does: ingest without the late labels, keep the index, join them later."""
    masked = frame.assign(label=frame["label"].astype(float).where(~late))
    windows = build_windows(masked, spec).windows
    index = record_index(masked, spec).set_index("record_id")
    labels = read_labels(frame.loc[late, ["rid", "label"]], spec)
    index.loc[labels["record_id"], "label"] = labels["label"].to_numpy()
    out = []
    for w in windows:
        rows = index[(index["start"] == pd.Timestamp(w.start)) & index["label"].notna()]
        out.append(label_window(w, rows, spec))
    return out


def _same(a: list[Window], b: list[Window]) -> None:
    assert [w.start for w in a] == [w.start for w in b]
    for x, y in zip(a, b, strict=True):
        assert x.n_rows == y.n_rows
        assert x.n_labelled == y.n_labelled
        assert x.outputs is not None
        assert y.outputs is not None
        assert x.outputs.equals(y.outputs, rtol=0.0)
        assert (x.labelled is None) == (y.labelled is None)
        if x.labelled is not None and y.labelled is not None:
            assert x.labelled.equals(y.labelled, rtol=0.0)
            assert x.to_dict()["labelled"] == y.to_dict()["labelled"]


def test_late_labels_give_the_windows_of_labels_present_from_the_start(
    id_spec: MonitorSpec,
) -> None:
    frame = _log(4_000, seed=21)
    rng = np.random.default_rng(5)
    late = rng.uniform(size=len(frame)) < 0.7
    expected = list(build_windows(frame, id_spec).windows)
    got = _late_amend(frame, late, id_spec)
    _same(got, expected)
    # Before the late labels, performance was measured on ~30 % of the rows only.
    masked = frame.assign(label=frame["label"].astype(float).where(~late))
    before = build_windows(masked, id_spec).windows
    assert sum(w.n_labelled for w in before) == int((~late).sum())
    assert sum(w.n_labelled for w in got) == len(frame)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 300),
    share=st.floats(0.0, 1.0),
    shuffle=st.booleans(),
)
def test_any_split_of_late_labels_gives_the_same_windows(
    id_spec: MonitorSpec, seed: int, n: int, share: float, shuffle: bool
) -> None:
    frame = _log(n, seed=seed)
    rng = np.random.default_rng(seed)
    late = rng.uniform(size=n) < share
    if shuffle:
        order = rng.permutation(n)
        frame, late = frame.iloc[order].reset_index(drop=True), late[order]
    _same(_late_amend(frame, late, id_spec), list(build_windows(frame, id_spec).windows))


def test_a_window_without_labels_stays_unlabelled(id_spec: MonitorSpec) -> None:
    frame = _log(50, seed=3).assign(label=np.nan)
    window = build_windows(frame, id_spec).windows[0]
    empty = record_index(frame, id_spec).iloc[:0]
    assert label_window(window, empty, id_spec).labelled is None


def test_the_spec_keeps_the_id_column_and_the_label_set(id_spec: MonitorSpec) -> None:
    assert id_spec.record_id == "rid"
    assert id_spec.label_values == (0, 1)
    again = MonitorSpec.from_json(id_spec.to_json())
    assert again == id_spec
    assert again.digest == id_spec.digest
    # A spec without an id column serialises as before (its digest did not change).
    plain = MonitorSpec(timestamp="ts", prediction="p")
    assert "record_id" not in plain.to_dict()
    with pytest.raises(MonitorError, match="name the label column"):
        MonitorSpec(timestamp="ts", prediction="p", record_id="rid")


def test_bad_labels_files_are_refused_with_one_line(id_spec: MonitorSpec) -> None:
    good = pd.DataFrame({"rid": ["a", "b"], "label": [1, 0]})
    with pytest.raises(ColumnError, match=r"lacks column 'rid' \(id\)"):
        read_labels(good.drop(columns="rid"), id_spec)
    with pytest.raises(ColumnError, match=r"lacks column 'outcome' \(label\)"):
        read_labels(good, id_spec, label_column="outcome")
    with pytest.raises(ColumnError, match=r"id 'a' appears in rows 0 and 2"):
        read_labels(pd.DataFrame({"rid": ["a", "b", "a"], "label": [1, 0, 1]}), id_spec)
    with pytest.raises(ColumnError, match=r"row 1: label 2 is not one of the monitor's labels"):
        read_labels(pd.DataFrame({"rid": ["a", "b"], "label": [1, 2]}), id_spec)
    with pytest.raises(ColumnError, match=r"row 1: missing id"):
        read_labels(pd.DataFrame({"rid": ["a", None], "label": [1, 0]}), id_spec)
    with pytest.raises(ColumnError, match=r"row 1: missing value"):
        read_labels(pd.DataFrame({"rid": ["a", "b"], "label": [1.0, np.nan]}), id_spec)
    # 7 and 7.0 are one id (a CSV column with a gap reads whole numbers as floats).
    ids = read_labels(pd.DataFrame({"rid": [7.0, 8.0], "label": [1, 0]}), id_spec)
    assert list(ids["record_id"]) == ["7", "8"]


def test_a_monitor_without_an_id_column_cannot_take_late_labels(spec: MonitorSpec) -> None:
    with pytest.raises(MonitorError, match="has no id column"):
        read_labels(pd.DataFrame({"rid": ["a"], "label": [1]}), spec)


def test_the_prediction_log_needs_unique_ids(id_spec: MonitorSpec) -> None:
    frame = _log(5, seed=1)
    frame.loc[3, "rid"] = frame.loc[1, "rid"]
    with pytest.raises(ColumnError, match=r"prediction log: id 'r1-1' appears in rows 1 and 3"):
        record_index(frame, id_spec)
    with pytest.raises(ColumnError, match="lacks the id column 'rid'"):
        record_index(frame.drop(columns="rid"), id_spec)


def test_sensitive_values_of_any_type_survive_a_json_round_trip() -> None:
    """Storage keeps a record's group cell as JSON: integer and boolean attributes read back
    as Python values must rebuild the same Tally as the original columns."""
    frame = _log(400, seed=9)
    frame = frame.assign(band=(frame["x1"] > 0).astype(np.int64) + 3, flag=frame["sex"] == "f")
    reference = prediction_log(2_000, seed=12)
    reference = reference.assign(
        band=(reference["x1"] > 0).astype(np.int64) + 3, flag=reference["sex"] == "f"
    )
    spec = fit_spec(
        reference,
        timestamp="ts",
        sensitive=["band", "flag"],
        prediction="pred",
        score="score",
        label="label",
        record_id="rid",
    )
    expected = build_windows(frame, spec).windows
    masked = frame.assign(label=np.nan)
    index = record_index(masked, spec).assign(label=frame["label"].to_numpy())
    index["cell"] = [tuple(json.loads(json.dumps(list(c)))) for c in index["cell"]]
    for w, want in zip(build_windows(masked, spec).windows, expected, strict=True):
        rows = index[index["start"] == pd.Timestamp(w.start)]
        got = label_window(w, rows, spec)
        assert got.labelled is not None
        assert want.labelled is not None
        assert got.labelled.equals(want.labelled, rtol=0.0)
