"""Inputs the audit used to accept silently (issue #21): yes/no text read as boolean from a
CSV, weights that are zero everywhere, a reference naming a column that is not audited."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ombud.fairness import AuditInputError, audit


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 300
    return pd.DataFrame(
        {
            "sex": rng.choice(["f", "m"], n),
            "approved": rng.choice(["yes", "no"], n),
            "decided": rng.choice(["yes", "no"], n),
            "truth": rng.choice([True, False], n),
            "pred": rng.choice([True, False], n),
            "w": np.zeros(n),
        }
    )


def test_yes_no_csv_columns_need_pos_label(frame: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(AuditInputError, match="'approved' is not binary 0/1"):
        audit(str(path), label="approved", prediction="decided", sensitive="sex", n_boot=0)
    from_csv = audit(
        str(path), label="approved", prediction="decided", sensitive="sex", pos_label="yes",
        n_boot=0,
    )  # fmt: skip
    in_memory = audit(
        frame, label="approved", prediction="decided", sensitive="sex", pos_label="yes", n_boot=0
    )
    assert from_csv.by_group["selection_rate"].tolist() == pytest.approx(
        in_memory.by_group["selection_rate"].tolist()
    )


def test_true_false_csv_columns_stay_boolean(frame: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    from_csv = audit(str(path), label="truth", prediction="pred", sensitive="sex", n_boot=0)
    in_memory = audit(frame, label="truth", prediction="pred", sensitive="sex", n_boot=0)
    assert from_csv.by_group["tpr"].tolist() == pytest.approx(in_memory.by_group["tpr"].tolist())


def test_all_zero_weights_are_refused(frame: pd.DataFrame) -> None:
    with pytest.raises(AuditInputError, match="'w' is zero on every row"):
        audit(frame, label="truth", prediction="pred", sensitive="sex", weights="w", n_boot=0)


def test_a_reference_naming_an_unknown_column_is_refused(frame: pd.DataFrame) -> None:
    with pytest.raises(AuditInputError, match=r"reference= names \['nocol'\]"):
        audit(
            frame, label="truth", prediction="pred", sensitive="sex", reference={"nocol": "f"},
            n_boot=0,
        )  # fmt: skip
    chosen = audit(
        frame, label="truth", prediction="pred", sensitive="sex", reference={"sex": "f"}, n_boot=0
    )
    assert set(chosen.comparisons["reference"]) == {"f"}
