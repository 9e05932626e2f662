"""Small-cell suppression removes exactly the strata/cells below k rows, by real row counts.

Oracle: row counts per group computed with pandas on the raw rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ombud.stats import (
    ClassificationSpec,
    TallyError,
    build_tally,
    classification_metrics,
    group_counts,
    suppress_metrics,
    suppress_small_cells,
)


@pytest.fixture
def tally():
    rng = np.random.default_rng(1)
    sizes = {"big": 200, "mid": 12, "tiny": 3}
    groups = np.repeat(list(sizes), list(sizes.values()))
    frame = pd.DataFrame(
        {
            "g": groups,
            "y": rng.integers(0, 2, len(groups)),
            "p": rng.integers(0, 2, len(groups)),
            "w": np.where(groups == "tiny", 100.0, 1.0),  # heavy weights must not rescue it
        }
    )
    return build_tally(frame, ClassificationSpec("y", "p", groups=("g",), weight="w"))


def test_strata_below_k_are_removed(tally):
    """Oracle: 'tiny' has 3 rows (< 10) whatever its weight; 'mid' has 12."""
    safe = suppress_small_cells(tally)
    assert sorted(group_counts(safe, "g").index) == ["big", "mid"]
    assert safe.suppressed_cells == 1
    assert sorted(group_counts(suppress_small_cells(tally, 13), "g").index) == ["big"]


def test_cell_level_leaves_no_cell_below_k(tally):
    """Oracle: every remaining cell's row count."""
    safe = suppress_small_cells(tally, 5, level="cell")
    assert min(safe.cells["n"].to_pylist()) >= 5
    assert safe.suppressed_cells == len(tally) - len(safe)
    with pytest.raises(TallyError):
        suppress_small_cells(tally, 0)


def test_metric_rows_of_small_groups_are_blanked(tally):
    """Oracle: only the 3-row group is blanked, with a reason."""
    result = suppress_metrics(classification_metrics(tally, "g"), tally)
    assert result.by_group.loc["tiny"].isna().all()
    assert result.reasons.loc["tiny", "tpr"].startswith("suppressed")
    assert result.by_group.loc["big"].notna().any()
