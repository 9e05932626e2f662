"""Layout of the page charts: counts per label and metric points on their scale."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from ombud.web._views import count_bars, metric_charts

from ._seed import Seeded


def test_bars_count_and_order() -> None:
    counts = Counter(["pass", "fail", "fail", None])
    rows = count_bars(counts, order=("fail", "insufficient", "pass"))
    assert [(r["label"], r["count"]) for r in rows] == [("fail", 2), ("pass", 1), ("—", 1)]
    assert [r["width"] for r in rows] == [100.0, 50.0, 50.0]
    assert count_bars({}) == []
    assert count_bars({None: 2, "—": 1})[0]["count"] == 3  # both read "—"


@given(
    st.lists(st.floats(0, 3), min_size=3, max_size=3).map(sorted),
)
def test_a_ratio_point_lies_inside_its_interval_on_the_chart(triple: list[float]) -> None:
    lower, value, upper = triple
    chart = metric_charts(
        {
            "f.g.tpr.ratio_min": value,
            "f.g.tpr.ratio_min.lower": lower,
            "f.g.tpr.ratio_min.upper": upper,
        }
    )["ratios"][0]
    assert 45.0 <= chart["x_lower"] <= chart["x"] <= chart["x_upper"] <= 95.0
    assert chart["below"] is (upper < 0.8)


def test_reference_line_and_rates_sit_on_their_scales() -> None:
    charts = metric_charts(
        {
            "a.ratio_min": 0.8,
            "a.ratio_min.lower": 0.5,
            "a.ratio_min.upper": 1.0,
            "b.ratio_min": 0.9,  # no interval: not drawn as one
            "redteam.jailbreak.attack_success_rate": 0.5,
        }
    )
    (ratio,) = charts["ratios"]
    assert ratio["x"] == ratio["x_reference"] == pytest.approx(45 + 50 * 0.8 / 1.25)
    assert charts["rates"] == [{"name": "redteam.jailbreak", "value": 0.5, "width": 25.0}]


def test_the_system_page_draws_evidence_charts(
    as_user: Callable[[str], tuple[TestClient, str]], seeded: Seeded
) -> None:
    client, _ = as_user("lena")
    page = client.get(f"/systems/{seeded.blocked_system}").text
    assert "disparity ratios with intervals" in page
    assert 'class="interval interval-below"' in page  # FPR ratio's interval is below 0.8
    assert "attack success rates" in page
