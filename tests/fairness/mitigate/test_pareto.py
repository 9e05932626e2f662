"""The Pareto set: non-dominated, and covering every point of the frontier.

Oracle: the definition, checked pairwise by brute force on arbitrary inputs (hypothesis),
ties and repeated points included.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ombud.fairness.mitigate import pareto_mask

_values = st.lists(
    st.tuples(st.integers(0, 6).map(lambda v: v / 6), st.integers(0, 6).map(lambda v: v / 6)),
    min_size=1,
    max_size=40,
)


def _dominates(a: tuple[float, float], b: tuple[float, float], higher: bool) -> bool:
    ua, ga = a
    ub, gb = b
    better_gap = ga >= gb if higher else ga <= gb
    strictly = ua > ub or (ga > gb if higher else ga < gb)
    return ua >= ub and better_gap and strictly


@settings(max_examples=300, deadline=None)
@given(points=_values, higher=st.booleans())
def test_pareto_set_is_non_dominated_and_covers_the_frontier(
    points: list[tuple[float, float]], higher: bool
) -> None:
    utility = np.array([p[0] for p in points])
    gap = np.array([p[1] for p in points])
    mask = pareto_mask(utility, gap, higher_is_better=higher)
    assert mask.any()
    for i, point in enumerate(points):
        dominated = any(_dominates(other, point, higher) for other in points)
        # In the set exactly when nothing dominates it ...
        assert bool(mask[i]) == (not dominated)
        # ... and every point outside is dominated by a point inside.
        if not mask[i]:
            assert any(_dominates(points[j], point, higher) for j in np.flatnonzero(mask))


@given(points=_values)
def test_undefined_points_are_never_in_the_set(points: list[tuple[float, float]]) -> None:
    utility = np.array([p[0] for p in points] + [np.nan])
    gap = np.array([p[1] for p in points] + [0.0])
    assert not pareto_mask(utility, gap, higher_is_better=False)[-1]
