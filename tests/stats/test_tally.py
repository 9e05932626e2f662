"""Algebraic laws of the Tally: merge is a commutative monoid, and it commutes with building.

The oracle for each law is the law itself applied to Tallies built from raw rows: e.g. the Tally
of a concatenation must equal the merge of the Tallies of its parts. Weights and scores are
dyadic rationals (k/64) so every float sum is exact and equality can be exact.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ombud.stats import ClassificationSpec, Tally, TallyError, build_tally, merge

SPEC = ClassificationSpec(
    label="y", prediction="p", score="s", groups=("g", "h"), weight="w", score_bins=8
)

rows = st.tuples(
    st.sampled_from(["a", "b", "c"]),
    st.integers(0, 2),
    st.integers(0, 1),
    st.integers(0, 1),
    st.integers(0, 64).map(lambda k: k / 64),
    st.integers(1, 16).map(lambda k: k / 4),
)
frames = st.lists(rows, min_size=0, max_size=40).map(
    lambda r: pd.DataFrame(r, columns=["g", "h", "y", "p", "s", "w"]).astype(
        {"g": "str", "h": "int64", "y": "int64", "p": "int64", "s": "float64", "w": "float64"}
    )
)


def tally(frame: pd.DataFrame) -> Tally:
    return build_tally(frame, SPEC)


@settings(max_examples=8, deadline=None)
@given(frames, frames, frames)
def test_merge_is_associative_and_commutative(a: pd.DataFrame, b: pd.DataFrame, c: pd.DataFrame):
    """Oracle: (a+b)+c == a+(b+c) and a+b == b+a, exactly."""
    ta, tb, tc = tally(a), tally(b), tally(c)
    assert ((ta + tb) + tc).equals(ta + (tb + tc))
    assert (ta + tb).equals(tb + ta)


@settings(max_examples=8, deadline=None)
@given(frames)
def test_empty_is_the_identity(a: pd.DataFrame):
    """Oracle: t + 0 == t == 0 + t, where 0 is both empty_like() and the Tally of no rows."""
    ta = tally(a)
    assert (ta + ta.empty_like()).equals(ta)
    assert (tally(a.iloc[:0]) + ta).equals(ta)


@settings(max_examples=8, deadline=None)
@given(frames, frames)
def test_tally_of_concatenation_is_sum_of_tallies(a: pd.DataFrame, b: pd.DataFrame):
    """Oracle: building from the concatenated rows."""
    both = pd.concat([a, b], ignore_index=True)
    assert tally(both).equals(tally(a) + tally(b))
    assert tally(both).n_rows == len(both)


@settings(max_examples=8, deadline=None)
@given(frames)
def test_marginalize_equals_building_with_fewer_groups(a: pd.DataFrame):
    """Oracle: a Tally built from the rows grouped by `g` only."""
    one = ClassificationSpec(
        label="y", prediction="p", score="s", groups=("g",), weight="w", score_bins=8
    )
    assert tally(a).marginalize(["g"]).equals(build_tally(a, one))


def test_merge_refuses_different_layouts():
    """Oracle: the layouts differ (bins), so adding them would be meaningless."""
    frame = pd.DataFrame({"g": ["a"], "h": [0], "y": [1], "p": [1], "s": [0.5], "w": [1.0]})
    other = build_tally(frame, ClassificationSpec(label="y", prediction="p", groups=("g", "h")))
    with pytest.raises(TallyError, match="score_edges"):
        merge([tally(frame), other])
    with pytest.raises(TallyError, match="at least one"):
        merge([])
