"""The explanation report's SVG chart and HTML page: escaped, drawn to scale, self-contained."""

from __future__ import annotations

import re

import numpy as np

from ombud.explain import AdditivityCheck, Explanation, bar_chart, report_html


def test_bar_lengths_are_proportional_and_labels_escaped() -> None:
    svg = bar_chart("<b>t</b>", [("<script>x</script>", 2.0, None, None), ("b", 1.0, 0.5, 1.5)])
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    widths = [float(w) for w in re.findall(r'<rect x="[^"]+" y="[^"]+" width="([^"]+)"', svg)]
    assert abs(widths[0] - 2 * widths[1]) < 0.2  # coordinates are rounded to 0.1 px
    assert svg.count("<line") == 2  # the zero line and one whisker (the first has no interval)


def test_a_failed_additivity_check_is_shown_as_such() -> None:
    explanation = Explanation(
        method="shap.tree",
        feature_names=("a", "b"),
        attributions=np.array([[1.0, 0.0], [0.0, 1.0]]),
        base_values=np.zeros(2),
        outputs=np.array([1.0, 2.0]),  # row 1 misses by 1: additivity fails
        output="decision_function",
        quality=AdditivityCheck(max_abs_error=1.0, tolerance=1e-6),
        seed=0,
    )
    page = report_html(explanation, title="t")
    assert '<span class="v fail">fails</span>' in page
    assert "do not explain this model" in page
    assert "<script" not in page
