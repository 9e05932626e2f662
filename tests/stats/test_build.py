"""Every local source path builds the identical Tally, and bad input fails with one clear line.

Oracle for agreement: the Tally built from the same rows by another path (pandas as reference).
Scores and weights are dyadic (k/64, k/4) so float sums are exact and equality is exact.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from ombud.stats import (
    ClassificationSpec,
    RegressionSpec,
    TallyError,
    build_tally,
    build_tally_sql,
)

SPEC = ClassificationSpec(
    label="y", prediction="p", score="s", groups=("g", "h"), weight="w", score_bins=16
)
REG = RegressionSpec(outcome="s", prediction="w", groups=("g",))


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 3000
    return pd.DataFrame(
        {
            "g": rng.choice(["a", "b", "c"], n),
            "h": rng.integers(0, 3, n),
            "y": rng.integers(0, 2, n),
            "p": rng.integers(0, 2, n),
            "s": rng.integers(0, 65, n) / 64,
            "w": rng.integers(1, 9, n) / 4,
        }
    )


def _sources(frame: pd.DataFrame, tmp: Path) -> dict[str, object]:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, tmp / "all.parquet")
    for i, part in enumerate(np.array_split(np.arange(len(frame)), 3)):
        pq.write_table(table.take(part), tmp / f"part-{i}.parquet", row_group_size=257)
    frame.to_csv(tmp / "all.csv", index=False)
    return {
        "polars": pl.from_pandas(frame),
        "arrow": table,
        "arrow_dataset": ds.dataset(str(tmp / "all.parquet")),
        "numpy": {c: frame[c].to_numpy() for c in frame.columns},
        "parquet": tmp / "all.parquet",
        "parquet_glob": str(tmp / "part-*.parquet"),
        "csv": str(tmp / "all.csv"),
    }


@pytest.mark.parametrize("spec", [SPEC, REG], ids=["classification", "regression"])
def test_all_sources_give_identical_tallies(frame: pd.DataFrame, tmp_path: Path, spec):
    """Oracle: the Tally built from the pandas DataFrame."""
    reference = build_tally(frame, spec)
    assert reference.n_rows == len(frame)
    for name, source in _sources(frame, tmp_path).items():
        assert build_tally(source, spec).equals(reference), name
    con = duckdb.connect()
    con.register("preds", frame)
    assert build_tally_sql("SELECT * FROM preds", spec, con).equals(reference)


@pytest.mark.parametrize("bins", [100, 7, [0.0, 0.05, 0.3, 0.31, 0.9, 1.0]])
def test_bins_follow_the_edges_exactly(bins):
    """Oracle: numpy.searchsorted on the same edges, for scores on, just below and above each
    edge (0.29 * 100 rounds below 29, so floor(s * bins) alone would misplace it)."""
    spec = ClassificationSpec(label="y", score="s", score_bins=bins)
    edges = np.asarray(spec.edges)
    near = np.concatenate([edges, np.nextafter(edges, 0), np.nextafter(edges, 1)])
    scores = np.clip(np.concatenate([near, np.random.default_rng(0).random(500)]), 0, 1)
    tally = build_tally({"y": np.zeros(len(scores), dtype=int), "s": scores}, spec)
    expected = np.minimum(np.searchsorted(edges, scores, side="right") - 1, len(edges) - 2)
    got = tally.cells.to_pandas().set_index("score_bin")["n"]
    assert got.to_dict() == pd.Series(expected).value_counts().sort_index().to_dict()


def test_missing_values_raise_or_are_dropped_and_counted():
    """Oracle: the number of rows with None/NaN, counted by hand."""
    data = {"y": [1, 0, None, 1, 0], "p": [1.0, np.nan, 1.0, 0.0, 1.0], "g": list("aabba")}
    spec = ClassificationSpec(label="y", prediction="p", groups=("g",))
    with pytest.raises(TallyError, match="2 row"):
        build_tally(pd.DataFrame(data), spec)
    kept = build_tally(
        pd.DataFrame(data),
        ClassificationSpec(label="y", prediction="p", groups=("g",), on_missing="drop"),
    )
    assert (kept.n_rows, kept.dropped_rows, kept.dropped_weight) == (3, 2, 2.0)


@pytest.mark.parametrize(
    ("data", "spec", "message"),
    [
        ({"y": [0, 1]}, ClassificationSpec(label="y", prediction="q"), r"'q' \(prediction\)"),
        ({"y": [0, 2], "p": [0, 1]}, ClassificationSpec(label="y", prediction="p"), "not binary"),
        ({"y": ["no", "yes"], "p": ["no", "no"]}, ClassificationSpec("y", "p"), "pos_label"),
        ({"y": [0, 1], "s": [0.5, 1.5]}, ClassificationSpec(label="y", score="s"), "outside"),
        ({"y": [0, 1], "s": [-0.1, 0.5]}, ClassificationSpec(label="y", score="s"), "outside"),
        ({"y": [0, 1], "p": [0, 1, 1]}, ClassificationSpec(label="y", prediction="p"), "length"),
        (
            {"y": [0, 1], "p": [0, 1], "w": [1.0, -1.0]},
            ClassificationSpec(label="y", prediction="p", weight="w"),
            "negative",
        ),
        ({"y": [1, 1], "p": [1, 1]}, ClassificationSpec("y", "p", pos_label="yes"), "pos_label"),
    ],
)
def test_bad_input_raises_one_clear_line(data, spec, message):
    """Oracle: the defect planted in the input, which the message must name."""
    with pytest.raises(TallyError, match=message) as info:
        build_tally(data, spec)
    assert "\n" not in str(info.value)


def test_missing_column_message_lists_what_exists():
    """Oracle: the columns of the frame."""
    with pytest.raises(TallyError, match=r"missing column\(s\) 'race'.*it has: y, p"):
        build_tally(
            pd.DataFrame({"y": [0], "p": [1]}), ClassificationSpec("y", "p", groups=("race",))
        )


def test_pos_label_maps_text_labels(frame: pd.DataFrame):
    """Oracle: the same rows with labels already coded 0/1."""
    text = frame.assign(
        y=np.where(frame["y"] == 1, "yes", "no"), p=np.where(frame["p"] == 1, "yes", "no")
    )
    spec = ClassificationSpec(label="y", prediction="p", groups=("g",), pos_label="yes")
    coded = build_tally(frame, ClassificationSpec(label="y", prediction="p", groups=("g",)))
    assert build_tally(text, spec).equals(coded)


def test_unreadable_files(tmp_path: Path):
    """Oracle: a file that does not exist, a glob matching nothing, and a corrupt Parquet file."""
    spec = ClassificationSpec("y", "p")
    with pytest.raises(TallyError, match="does not exist"):
        build_tally(tmp_path / "nope.parquet", spec)
    with pytest.raises(TallyError, match="no file matches"):
        build_tally(str(tmp_path / "*.parquet"), spec)
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(TallyError, match="cannot read"):
        build_tally(tmp_path / "bad.parquet", spec)


def test_multiclass_keeps_class_values():
    """Oracle: pandas value_counts of the (label, prediction) pairs."""
    data = pd.DataFrame({"y": ["x", "y", "z", "x"], "p": ["x", "z", "z", "y"]})
    tally = build_tally(data, ClassificationSpec("y", "p", multiclass=True))
    cells = tally.cells.to_pandas().set_index(["label", "prediction"])["n"]
    assert cells.to_dict() == data.value_counts(["y", "p"]).to_dict()
