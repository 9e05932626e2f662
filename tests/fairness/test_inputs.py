"""Bad input gets a one-line error of an ombud.fairness type, or an explicit, reported choice.

Oracle: the inputs are built to contain exactly the defect under test (a known number of
missing labels, a known set of columns), so the error must name that defect and that count.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ombud.fairness import (
    AuditInputError,
    MissingColumnsError,
    MissingValuesError,
    SingleGroupError,
    SQLSource,
    audit,
)
from ombud.stats import ClassificationSpec, build_tally


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 400
    return pd.DataFrame(
        {
            "race": rng.choice(["a", "b"], n),
            "sex": rng.choice(["f", "m"], n),
            "y": rng.integers(0, 2, n),
            "yhat": rng.integers(0, 2, n),
            "s": rng.uniform(0, 1, n),
        }
    )


def _run(data: object, **kw: object) -> object:
    args: dict[str, object] = {"label": "y", "prediction": "yhat", "sensitive": "race", "n_boot": 0}
    args.update(kw)
    return audit(data, **args)  # type: ignore[arg-type]


def test_missing_columns_are_named_with_what_exists(frame: pd.DataFrame) -> None:
    with pytest.raises(MissingColumnsError, match=r"'ethnicity'.*it has: race, sex, y, yhat, s"):
        _run(frame, sensitive="ethnicity")


def test_missing_labels_are_counted_then_dropped_on_request(frame: pd.DataFrame) -> None:
    frame = frame.astype({"y": "float64"})
    frame.loc[[0, 5, 9], "y"] = np.nan
    with pytest.raises(MissingValuesError, match=r"^3 row"):
        _run(frame)
    result = _run(frame, on_missing="drop")
    assert result.provenance["rows_dropped_missing"] == 3
    assert result.by_group["n"][result.by_group["attribute"] == "race"].sum() == 397


def test_non_binary_labels_need_pos_label(frame: pd.DataFrame) -> None:
    frame = frame.assign(
        y=np.where(frame["y"] == 1, "yes", "no"), yhat=frame["yhat"].map({1: "yes", 0: "no"})
    )
    with pytest.raises(AuditInputError, match=r"not binary 0/1.*pos_label"):
        _run(frame)
    assert _run(frame, pos_label="yes").overall["n"].iloc[0] == 400


def test_scores_outside_unit_interval_are_refused(frame: pd.DataFrame) -> None:
    frame = frame.assign(s=frame["s"] * 2)
    with pytest.raises(AuditInputError, match=r"outside \[0, 1\]"):
        _run(frame, prediction=None, score="s", threshold=0.5)


def test_one_group_only(frame: pd.DataFrame) -> None:
    with pytest.raises(SingleGroupError, match="'race' has one group only"):
        _run(frame.assign(race="a"))


def test_zero_denominator_is_nan_with_a_reason_not_zero(frame: pd.DataFrame) -> None:
    frame = frame.assign(y=np.where(frame["race"] == "a", 1, frame["y"]))
    result = _run(frame)
    group_a = result.by_group.query("attribute == 'race' and race == 'a'").iloc[0]
    assert np.isnan(group_a["fpr"])
    assert group_a["negatives"] == 0


def test_mismatched_lengths(frame: pd.DataFrame) -> None:
    with pytest.raises(AuditInputError, match="different lengths"):
        _run({"race": ["a", "b"], "y": [0, 1, 1], "yhat": [0, 1, 0]})


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"prediction": None}, "pass prediction="),
        ({"threshold": 0.5}, "needs score="),
        ({"score": "s", "threshold": 0.5}, "not both"),
        ({"prediction": None, "score": "s", "threshold": 1.5}, r"\[0, 1\]"),
        ({"sensitive": ["race", "race"]}, "twice"),
        ({"control": "race"}, "both sensitive and control"),
        ({"confidence": 1.0}, "confidence"),
        ({"n_boot": 1}, "n_boot"),
    ],
)
def test_option_errors(frame: pd.DataFrame, kw: dict[str, object], message: str) -> None:
    with pytest.raises(AuditInputError, match=message):
        _run(frame, **kw)


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"not parquet")
    with pytest.raises(AuditInputError, match="cannot read"):
        _run(str(path))


def test_same_result_from_file_sql_and_tally(frame: pd.DataFrame, tmp_path: Path) -> None:
    """Oracle: the audit of the DataFrame itself; every source must give the same numbers."""
    path = tmp_path / "data.parquet"
    frame.to_parquet(path)
    expected = _run(frame).by_group
    from_file = _run(str(path))
    from_sql = _run(SQLSource(f"SELECT * FROM read_parquet('{path}')"))
    tally = build_tally(
        frame, ClassificationSpec(label="y", prediction="yhat", groups=("sex", "race"))
    )
    from_tally = _run(tally)
    for other in (from_file, from_sql, from_tally):
        pd.testing.assert_frame_equal(other.by_group, expected)
    assert len(from_file.provenance["sha256"]) == 64
