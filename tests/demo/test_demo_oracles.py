"""Every per-group number of the demo's model cards, recomputed from the rows by other code.

The demo's goldens (tests/cards/test_demo_goldens.py) pin layout and wording; the numbers in
them are checked here against independent implementations on the same rows:

- per-group estimates and the overall figures: fairlearn `MetricFrame` with scikit-learn's
  metric functions (equal to 1e-9);
- the per-group 95% intervals, documented as Wilson score intervals: statsmodels
  `proportion_confint(method="wilson")` on counts taken from the rows (1e-9);
- the verdict statistics (four-fifths ratio, equalized-odds gap, FPR and FNR ratios) over the
  groups large enough to judge: fairlearn `MetricFrame.ratio()/difference()` (1e-9);
- the résumé screen's selection rates and impact ratios: fairlearn `selection_rate` by
  category (1e-9);
- every cell of the card's tables must print those oracle values (3 decimals, or a percent).

The rows are the demo's own: each system's data set and model predictions are rebuilt with the
demo's case builders (`ombud.demo._audits`), and the pandas hash of the audited columns must
equal the input SHA-256 recorded in the evidence, so the oracle reads the very rows the audit
read. The verdict bootstrap intervals are not re-derived here (a bootstrap has no closed form
to compare with; `bench/interval_coverage.py` measures their coverage).
"""

from __future__ import annotations

import functools
import hashlib
import re
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn import metrics as skm
from statsmodels.stats.proportion import proportion_confint

from ombud.cards import Document, render_markdown
from ombud.cards._record import FairnessAnalysis
from ombud.datasets import load
from ombud.demo._audits import CASES as DEMO_CASES
from ombud.services import cards
from ombud.services.context import AppContext

pytestmark = pytest.mark.slow

TOL = 1e-9
MIN_GROUP_SIZE = 30  # FairnessPolicy's default, which the demo does not change
AUDITED = ("recidivism-risk", "mortgage-underwriting", "benefit-eligibility")

METRICS: dict[str, Callable[..., float]] = {
    "selection_rate": selection_rate,
    "tpr": true_positive_rate,
    "fpr": false_positive_rate,
    "ppv": functools.partial(skm.precision_score, zero_division=np.nan),
    "accuracy": skm.accuracy_score,
}


def _rate_counts(y: pd.Series, p: pd.Series) -> dict[str, tuple[int, int]]:
    """(successes, trials) of each rate with a Wilson interval, counted from the rows."""
    yb, pb = y.astype(bool), p.astype(bool)
    return {
        "selection_rate": (int(pb.sum()), len(pb)),
        "tpr": (int((pb & yb).sum()), int(yb.sum())),
        "fpr": (int((pb & ~yb).sum()), int((~yb).sum())),
        "ppv": (int((pb & yb).sum()), int(pb.sum())),
        "accuracy": (int((pb == yb).sum()), len(pb)),
    }


@functools.cache
def _case(system_id: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    frame, columns, _ = DEMO_CASES[system_id]()
    return frame, columns


def _frame(frame: pd.DataFrame, label: str, pred: str, by: list[str]) -> MetricFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns on an empty class; NaN is handled below
        return MetricFrame(
            metrics=METRICS,
            y_true=frame[label].astype(int),
            y_pred=frame[pred].astype(int),
            sensitive_features=frame[by].astype(str),
        )


def _analysis(context: AppContext, system_id: str) -> tuple[FairnessAnalysis, Mapping[str, Any]]:
    record = cards.system_record(context, system_id)
    (analysis,) = record.fairness
    (evidence,) = [e for e in record.evidence if e.id == analysis.evidence_id]
    return analysis, evidence


def _table(document: Document, title_start: str) -> tuple[tuple[str, ...], ...]:
    section = next(s for s in document.sections if s.id == "quantitative_analyses")
    table = next(t for t in section.tables if t.title.startswith(title_start))
    return tuple(table.rows)


def _cell(value: float, lower: float, upper: float) -> str:
    return f"{value:.3f} [{lower:.3f}, {upper:.3f}]"


def _close(what: str, got: float | None, want: float) -> None:
    """The one comparison every oracle test uses (and the perturbation test checks bites)."""
    if np.isnan(want):
        assert got is None or np.isnan(got), f"{what}: {got} where the oracle has no value"
        return
    assert got is not None, f"{what}: no value where the oracle has {want}"
    assert abs(got - want) <= TOL, f"{what}: card {got} != oracle {want}"


def check_groups(
    analysis: FairnessAnalysis, document: Document, frame: pd.DataFrame, label: str, pred: str
) -> int:
    """Compare every group of every view; returns how many numbers were compared."""
    compared = 0
    for attribute in dict.fromkeys(g.attribute for g in analysis.groups):
        by = attribute.split("+")
        oracle = _frame(frame, label, pred, by).by_group
        rows = {row[0]: row for row in _table(document, f"By {attribute}:")}
        for group in (g for g in analysis.groups if g.attribute == attribute):
            key = tuple(group.group.split(" × "))
            members = frame[(frame[by].astype(str) == pd.Series(key, index=by)).all(axis=1)]
            assert group.n == len(members), f"{attribute} {group.group}: n"
            assert rows[group.group][1] == str(len(members))
            counts = _rate_counts(members[label], members[pred])
            for position, metric in enumerate(METRICS, start=2):
                estimate, lower, upper = group.values[metric]
                want = float(oracle.loc[key if len(key) > 1 else key[0], metric])
                x, n = counts[metric]
                shown = rows[group.group][position]
                if group.small:  # below the minimum group size: the card hides the numbers
                    assert shown == "suppressed (small group)"
                if n == 0:  # sklearn says 0 (or NaN) for an empty denominator; the audit NaN
                    assert estimate is None
                    continue
                if estimate is None:  # suppressed in the stored audit too (under 10 rows)
                    assert group.n < 10, f"{attribute} {group.group} {metric}: no value"
                    continue
                _close(f"{attribute} {group.group} {metric}", estimate, want)
                low, upp = proportion_confint(x, n, alpha=0.05, method="wilson")
                _close(f"{attribute} {group.group} {metric} lower", lower, float(low))
                _close(f"{attribute} {group.group} {metric} upper", upper, float(upp))
                if not group.small:
                    expected = _cell(want, float(low), float(upp))
                    assert shown == expected, f"{attribute} {group.group} {metric}: {shown}"
                compared += 3
    return compared


def _rule_value(rule: str, mf: MetricFrame) -> float:
    ratio, difference = mf.ratio(method="between_groups"), mf.difference(method="between_groups")
    if rule == "four_fifths":
        return float(ratio["selection_rate"])
    if rule == "equalized_odds":
        return float(max(difference["tpr"], difference["fpr"]))
    if rule == "fpr_ratio":
        return float(ratio["fpr"])
    assert rule == "fnr_ratio"
    return float(ratio["fnr"])


def check_verdicts(
    analysis: FairnessAnalysis, document: Document, frame: pd.DataFrame, label: str, pred: str
) -> int:
    shown = {(row[0], row[1]): row for row in _table(document, "Fairness verdicts")}
    compared = 0
    for verdict in analysis.verdicts:
        attribute, rule = str(verdict["attribute"]), str(verdict["rule"])
        by = attribute.split("+")
        keys = frame[by].astype(str).agg(" × ".join, axis=1)
        sizes = keys.value_counts()
        metric_rows = {
            "four_fifths": pd.Series(True, index=frame.index),
            "equalized_odds": frame[label].astype(bool) | True,
            "fpr_ratio": ~frame[label].astype(bool),
            "fnr_ratio": frame[label].astype(bool),
        }[rule]
        # Groups the rule can judge: at least MIN_GROUP_SIZE rows and rows in the denominator
        # of each of its rates (equalized odds needs both classes).
        judged = [
            g
            for g in sizes.index
            if sizes[g] >= MIN_GROUP_SIZE
            and metric_rows[keys == g].any()
            and (
                rule != "equalized_odds"
                or (frame.loc[keys == g, label].astype(bool).nunique() == 2)
            )
        ]
        subset = frame[keys.isin(judged)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mf = MetricFrame(
                metrics={**METRICS, "fnr": false_negative_rate},
                y_true=subset[label].astype(int),
                y_pred=subset[pred].astype(int),
                sensitive_features=keys[keys.isin(judged)],
            )
        want = _rule_value(rule, mf)
        _close(f"{attribute} {rule}", verdict.get("value"), want)
        text = shown[(attribute, rule)][2]
        assert text.startswith(f"{want:.3f} ["), f"{attribute} {rule}: {text}"
        compared += 1
    return compared


def _input_matches(frame: pd.DataFrame, evidence: Any, columns: list[str]) -> None:
    """The rebuilt rows are the audited rows: pandas' row hash of the audited columns is the
    SHA-256 the audit recorded as its input."""
    hashed = pd.util.hash_pandas_object(frame[columns], index=False).to_numpy()
    digest = hashlib.sha256(hashed.tobytes()).hexdigest()
    assert digest in {str(i.get("sha256")) for i in evidence.inputs}, "not the audited rows"


def _columns(spec: Mapping[str, Any]) -> list[str]:
    sensitive = spec["sensitive"]
    return [*sensitive, spec["label"], spec["prediction"]]


@pytest.mark.parametrize("system_id", AUDITED)
def test_model_card_groups_match_fairlearn_and_statsmodels(
    demo_workspace: tuple[AppContext, Path], system_id: str
) -> None:
    context, _ = demo_workspace
    frame, spec = _case(system_id)
    analysis, evidence = _analysis(context, system_id)
    _input_matches(
        frame, evidence, list(analysis.provenance.get("columns") or sorted(_columns(spec)))
    )
    document = cards.generate(context, "model", system_id)
    label, pred = spec["label"], spec["prediction"]
    assert check_groups(analysis, document, frame, label, pred) >= 30
    assert check_verdicts(analysis, document, frame, label, pred) >= 4


@pytest.mark.parametrize("system_id", AUDITED)
def test_overall_figures_match_scikit_learn(
    demo_workspace: tuple[AppContext, Path], system_id: str
) -> None:
    context, _ = demo_workspace
    frame, spec = _case(system_id)
    _, evidence = _analysis(context, system_id)
    y, p = frame[spec["label"]].astype(int), frame[spec["prediction"]].astype(int)
    oracle = {
        "selection_rate": float(p.mean()),
        "tpr": skm.recall_score(y, p),
        "fpr": float(((p == 1) & (y == 0)).sum() / (y == 0).sum()),
        "ppv": skm.precision_score(y, p),
        "accuracy": skm.accuracy_score(y, p),
    }
    markdown = render_markdown(cards.generate(context, "model", system_id))
    front = markdown.split("\n---\n", 1)[0]  # the YAML front matter (model-index)
    for metric, want in oracle.items():
        _close(f"overall {metric}", evidence.metrics[f"fairness.overall.{metric}"], float(want))
        assert f"value: {round(float(want), 6)}\n      name: overall {metric}" in front, metric


def test_resume_screen_rates_and_impact_ratios_match_fairlearn(
    demo_workspace: tuple[AppContext, Path],
) -> None:
    context, _ = demo_workspace
    raw = load("bertrand_mullainathan").frame
    frame = pd.DataFrame(
        {
            "callback": raw["call"].astype(int),
            "race_ethnicity": raw["race"]
            .astype(str)
            .map({"b": "Black-sounding name", "w": "white-sounding name"}),
            "sex": raw["sex"].astype(str).map({"f": "female", "m": "male"}),
        }
    )
    frame["intersectional"] = frame["sex"] + " × " + frame["race_ethnicity"]
    record = cards.system_record(context, "resume-screening")
    (evidence,) = [e for e in record.evidence if e.kind == "bias_audit"]
    document = cards.generate(context, "model", "resume-screening")
    compared = 0
    for axis in ("sex", "race_ethnicity", "intersectional"):
        rates = MetricFrame(
            metrics=selection_rate,
            y_true=frame["callback"],
            y_pred=frame["callback"],
            sensitive_features=frame[axis],
        ).by_group
        ratios = rates / rates.max()
        rows = {row[0]: row for row in _table(document, f"By {axis}:")}
        for category, rate in rates.items():
            row = rows[str(category)]
            assert row[1] == str(int((frame[axis] == category).sum()))
            assert row[2] == f"{100 * rate:.2f}%"
            assert row[3] == f"{ratios[category]:.3f}"
            compared += 1
        _close(
            f"{axis} impact_ratio_min",
            evidence.metrics[f"bias_audit.{axis}.impact_ratio_min"],
            float(ratios.min()),
        )
    assert compared == 8
    # Bertrand & Mullainathan (2004), Table 1: 157/2,435 against 235/2,435 callbacks.
    assert evidence.metrics["bias_audit.race_ethnicity.impact_ratio_min"] == pytest.approx(
        157 / 235, abs=TOL
    )


def test_the_oracle_bites_when_one_prediction_is_flipped(
    demo_workspace: tuple[AppContext, Path],
) -> None:
    """Flip one model decision in the rebuilt mortgage rows: the card no longer matches."""
    context, _ = demo_workspace
    frame, spec = _case("mortgage-underwriting")
    analysis, _ = _analysis(context, "mortgage-underwriting")
    document = cards.generate(context, "model", "mortgage-underwriting")
    label, pred = spec["label"], spec["prediction"]
    assert check_groups(analysis, document, frame, label, pred) > 0  # the unperturbed rows pass
    perturbed = frame.copy()
    first_black = perturbed.index[perturbed["applicant"] == "Black"][0]
    perturbed.loc[first_black, pred] = 1 - perturbed.loc[first_black, pred]
    with pytest.raises(AssertionError, match=r"applicant Black selection_rate"):
        check_groups(analysis, document, perturbed, label, pred)
    # And a value off by far less than the card prints still fails the comparison.
    with pytest.raises(AssertionError, match="card"):
        _close("one value", 0.5 + 1e-8, 0.5)
    assert re.fullmatch(r"\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]", _cell(0.1, 0.05, 0.2))
