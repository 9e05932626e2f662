"""The HTML report: self-contained, escaped, suppressed, and saying what the numbers say.

Oracles: statsmodels' Katz interval computed from the rows (the sentence must carry that
ratio and its bounds); the HTML must contain no external reference (http/https URL in src/href,
no <script src>) and no unescaped user text; a group under k rows must not appear.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

from ombud.fairness import audit
from ombud.fairness._report import plain_sentence, reference_sentences

EVIL = '<script>alert("x")</script>'


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 3000
    group = rng.choice(["a", EVIL], n)
    group[:6] = "tiny"
    score = np.clip(rng.beta(2, 3, n) + (group == "a") * 0.15, 0, 1)
    return pd.DataFrame({"g": group, "y": rng.binomial(1, score), "s": score})


@pytest.fixture(scope="module")
def result() -> object:
    return audit(_frame(), label="y", score="s", threshold=0.5, sensitive="g", n_boot=100)


def test_report_is_self_contained(result: object) -> None:
    html = result.to_html()
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', html)
    assert "<script src" not in html
    assert html.count("<svg") >= 5  # disparity charts and a calibration chart


def test_user_text_is_escaped(result: object) -> None:
    html = result.to_html()
    assert EVIL not in html
    assert "&lt;script&gt;alert(" in html


def test_small_groups_are_suppressed(result: object) -> None:
    html = result.to_html()
    assert "Suppressed (fewer than 10 rows): tiny" in html
    tally = json.loads(re.search(r'id="ombud-tally">(.*?)</script>', html, re.S).group(1))
    groups = next(c for c in tally["columns"] if c["name"] == "g")["values"]
    assert "tiny" not in groups
    assert tally["suppressed_cells"] >= 1


def test_sentences_carry_the_katz_interval(result: object) -> None:
    """Oracle: the FPR ratio of the non-reference group to the largest group (the default
    reference) and Katz's log interval, computed by statsmodels from the fixture's rows, not
    from the comparisons table under test."""
    frame = _frame()
    frame = frame[frame["g"] != "tiny"]
    negatives = frame[frame["y"] == 0]
    sizes = frame["g"].value_counts()
    reference = sizes.idxmax()
    (other,) = [g for g in sizes.index if g != reference]
    flagged = negatives.assign(p=negatives["s"] >= 0.5).groupby("g")["p"].agg(["sum", "count"])
    x1, n1 = flagged.loc[other]
    x2, n2 = flagged.loc[reference]
    low, upp = confint_proportions_2indep(x1, n1, x2, n2, method="log", compare="ratio")
    ratio = (x1 / n1) / (x2 / n2)
    expected = f"at {ratio:.2f} times the rate of group {reference} (95% CI {low:.2f}–{upp:.2f})"
    sentences = reference_sentences(result, 0.95)
    assert any(expected in s for s in sentences), (expected, sentences)


def test_verdict_sentence_inverts_the_min_max_ratio(result: object) -> None:
    row = result.verdicts.query("rule == 'four_fifths'").iloc[0]
    sentence = plain_sentence(row, 0.95)
    assert f"at {1 / row['value']:.2f} times the rate of group {row['low_group']}" in sentence


def test_notebook_fragment_has_no_document_wrapper(result: object) -> None:
    fragment = result._repr_html_()
    assert "<!DOCTYPE" not in fragment
    assert "Verdicts" in fragment


def test_a_report_with_control_features_names_each_stratum() -> None:
    """Found by the policy contract tests: with a control feature each group appears once
    per stratum, and the report used to crash on the duplicate (attribute, group) index.
    Oracle: the stratum's own row count, read from by_group."""
    rng = np.random.default_rng(3)
    n = 4000
    frame = pd.DataFrame(
        {
            "race": rng.choice(["a", "b"], n),
            "sex": rng.choice(["f", "m"], n),
            "y": rng.integers(0, 2, n),
            "yhat": rng.integers(0, 2, n),
        }
    )
    controlled = audit(frame, label="y", prediction="yhat", sensitive="race", control="sex",
                       n_boot=20)  # fmt: skip
    html = controlled.to_html()
    assert "<html" in html.lower()
    sentences = reference_sentences(controlled, 0.95)
    assert any("(sex=f)" in s for s in sentences)
    assert any("(sex=m)" in s for s in sentences)
