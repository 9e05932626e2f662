"""``audit``: one pass to a Tally, then every group metric, interval, test and verdict from it.

Rows are read once (by DuckDB, where the data lives); everything after works on the Tally's
cells, so the cost of groups, intervals and a thousand bootstrap replicates does not grow with
the number of rows.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ombud.fairness._compare import (
    RATE_METRICS,
    add_detectable_difference,
    omnibus_tests,
    pairwise_comparisons,
)
from ombud.fairness._errors import AuditInputError
from ombud.fairness._inputs import TallyRequest, as_columns, audit_tally
from ombud.fairness._layout import CellLayout, View, build_layout, group_label
from ombud.fairness._policy import FairnessPolicy
from ombud.fairness._result import AuditResult, ViewData
from ombud.fairness._summaries import judge, percentile_interval
from ombud.fairness._vectorized import MetricEngine
from ombud.stats import uniform_edges
from ombud.stats.bootstrap import multinomial_bootstrap
from ombud.stats.intervals import wilson_interval
from ombud.stats.metrics import RATES, rate_counts

__all__ = ["audit"]


def audit(
    data: Any,
    *,
    label: str | None = None,
    prediction: str | None = None,
    score: str | None = None,
    threshold: float | None = None,
    sensitive: str | Sequence[str],
    control: str | Sequence[str] | None = None,
    weights: str | None = None,
    pos_label: Any = None,
    policy: FairnessPolicy | Mapping[str, Any] | None = None,
    confidence: float = 0.95,
    n_boot: int = 1000,
    seed: int = 0,
    min_group_size: int | None = None,
    on_missing: str = "raise",
    reference: Hashable | Mapping[str, Hashable] | None = None,
    score_bins: int = 100,
    calibration_bins: int = 10,
) -> AuditResult:
    """Audit a binary classifier's decisions for disparities between groups.

    ``data``: a pandas/polars frame, an Arrow table, a dict of arrays, a Parquet/CSV path or
    glob, an :class:`SQLSource`, or an existing Tally. ``sensitive``: one or more columns;
    several give intersectional groups plus each column alone. ``control``: columns whose
    strata are compared within (metrics per stratum). Predictions come from ``prediction``
    (0/1) or from ``score >= threshold``. ``reference``: the group each other group is tested
    against (a value, or a mapping column -> value); default the largest group.
    ``n_boot=0`` skips the bootstrap (then only closed-form intervals are given).
    ``min_group_size`` overrides the policy's (default 30).
    """
    pol = _policy(policy, min_group_size)
    if not 0.5 <= confidence < 1.0:
        raise AuditInputError(f"confidence must lie in [0.5, 1), got {confidence}")
    if n_boot != 0 and n_boot < 2:
        raise AuditInputError("n_boot must be 0 (no bootstrap) or at least 2")
    if calibration_bins < 1 or score_bins % calibration_bins:
        raise AuditInputError("calibration_bins must divide score_bins (e.g. 10 and 100)")
    req = TallyRequest(
        label=label,
        prediction=prediction,
        score=score,
        threshold=threshold,
        sensitive=as_columns(sensitive, "sensitive"),
        control=as_columns(control, "control"),
        weights=weights,
        pos_label=pos_label,
        on_missing=on_missing,
        score_bins=score_bins,
    )
    _check_reference(reference, req.sensitive)
    tally, provenance = audit_tally(data, req)
    cal_edges = uniform_edges(calibration_bins) if tally.has_score else None
    layout = build_layout(tally, req.sensitive, req.control, threshold, cal_edges)
    attr_views = [req.sensitive] if len(req.sensitive) > 1 else []
    attr_views += [(s,) for s in req.sensitive]
    views = [layout.view(a) for a in attr_views] + [layout.view(())]
    engine = MetricEngine(layout, views)
    point = engine.evaluate(layout.weight[np.newaxis, :])
    replicates: list[NDArray[np.float64]] | list[None] = [None] * len(views)
    if n_boot:
        boot = multinomial_bootstrap(
            layout.rows,
            engine.flat,
            n_boot=n_boot,
            seed=seed,
            confidence=confidence,
            strata=layout.fine,
            weights=layout.weight if weights else None,
        )
        replicates = engine.unflatten(boot.replicates)
    datas = []
    for i, view in enumerate(views):
        counts = _confusion(layout, view, weighted=True)
        raw = _confusion(layout, view, weighted=False)
        rows = raw.sum(axis=1).astype(np.int64)
        labels = [
            group_label(tuple(r)) for r in view.keys[list(view.attrs)].itertuples(index=False)
        ]
        ref = _reference(view, rows, labels, reference)
        reps = replicates[i] if n_boot else None
        datas.append(ViewData(view, point[i][0], reps, ref, labels, rows, counts, raw))
    by_group, comparisons, omnibus = _tables(layout, engine, datas, pol, confidence, bool(weights))
    overall = _group_table(layout, engine, datas[-1], confidence, pol.min_group_size)
    overall = overall.drop(columns=["attribute", "group"])
    verdicts = _verdicts(layout, engine, datas[:-1], pol, confidence)
    parameters = {
        "label": label,
        "prediction": prediction,
        "score": score,
        "threshold": threshold,
        "sensitive": list(req.sensitive),
        "control": list(req.control),
        "weights": weights,
        "pos_label": pos_label,
        "confidence": confidence,
        "n_boot": n_boot,
        "seed": seed,
        "min_group_size": pol.min_group_size,
        "on_missing": on_missing,
        "score_bins": score_bins if tally.has_score else None,
        "calibration_bins": calibration_bins if tally.has_score else None,
    }
    return AuditResult(
        by_group=by_group,
        overall=overall,
        comparisons=comparisons,
        omnibus=omnibus,
        verdicts=verdicts,
        tally=tally,
        metrics=engine.metrics,
        sensitive=req.sensitive,
        control=req.control,
        policy=pol,
        parameters=parameters,
        provenance=provenance,
        views=tuple(datas[:-1]),
        overall_view=datas[-1],
        strata=layout.strata_keys,
    )


def _policy(
    policy: FairnessPolicy | Mapping[str, Any] | None, min_group_size: int | None
) -> FairnessPolicy:
    pol = (
        policy if isinstance(policy, FairnessPolicy) else FairnessPolicy.from_mapping(policy or {})
    )
    if min_group_size is not None:
        pol = replace(pol, min_group_size=min_group_size)
    return pol


def _confusion(layout: CellLayout, view: View, *, weighted: bool) -> NDArray[np.float64]:
    """TP, FP, FN, TN per view group: (groups, 4)."""
    values = layout.weight if weighted else layout.rows
    fine = np.zeros((layout.n_fine, 4))
    np.add.at(fine, (layout.fine, layout.confusion), values)
    return np.asarray(view.members.T @ fine, dtype=np.float64)


def _reference(
    view: View, rows: NDArray[np.int64], labels: list[str], reference: Any
) -> NDArray[np.intp]:
    """Each group's reference: the named group in its stratum, else the stratum's largest."""
    wanted = _wanted_reference(view, reference)
    out = np.zeros(view.size, dtype=np.intp)
    for s in np.unique(view.stratum):
        members = np.flatnonzero(view.stratum == s)
        chosen = [g for g in members if wanted is not None and labels[g] == wanted]
        if wanted is not None and not chosen and view.attrs:
            raise AuditInputError(
                f"reference group {wanted!r} not found in {view.key}; groups: "
                f"{sorted({labels[g] for g in members})[:10]}"
            )
        out[members] = chosen[0] if chosen else members[int(np.argmax(rows[members]))]
    return out


def _check_reference(reference: Any, sensitive: tuple[str, ...]) -> None:
    """A reference mapping names sensitive columns only: a misspelt column would be
    ignored, and each group silently compared with the largest one instead."""
    if not isinstance(reference, Mapping):
        return
    unknown = [str(c) for c in reference if c not in sensitive]
    if unknown:
        raise AuditInputError(
            f"reference= names {unknown}, which {'is' if len(unknown) == 1 else 'are'} not "
            f"a sensitive column; the sensitive columns are {list(sensitive)}"
        )


def _wanted_reference(view: View, reference: Any) -> str | None:
    if reference is None or not view.attrs:
        return None
    if isinstance(reference, Mapping):
        if not all(a in reference for a in view.attrs):
            return None
        return group_label(tuple(reference[a] for a in view.attrs))
    if len(view.attrs) == 1:
        return group_label((reference,))
    return group_label(reference) if isinstance(reference, tuple) else None


def _group_table(
    layout: CellLayout, engine: MetricEngine, data: ViewData, confidence: float, min_rows: int
) -> pd.DataFrame:
    view = data.view
    counts, raw = data.confusion, data.confusion_rows
    columns: dict[str, Any] = {
        "attribute": view.key,
        "group": data.labels,
        **{c: view.keys[c].to_numpy() for c in view.keys.columns},
        "n": data.rows,
        "weight": counts.sum(axis=1),
        "positives": (raw[:, 0] + raw[:, 2]).astype(np.int64),
        "negatives": (raw[:, 1] + raw[:, 3]).astype(np.int64),
        "small": data.rows < min_rows,
    }
    # Bootstrap bounds only for metrics without a closed-form interval (rates use Wilson).
    boot_cols = [m for m, name in enumerate(engine.metrics) if name not in RATES]
    reps = None if data.replicates is None else data.replicates[:, :, boot_cols]
    low_b, up_b = percentile_interval(reps, confidence)
    for m, metric in enumerate(engine.metrics):
        columns[metric] = data.point[:, m]
        if metric in RATES:
            low, up = wilson_interval(*rate_counts(metric, counts), confidence=confidence)
        elif np.ndim(low_b) == 2:
            low, up = low_b[:, boot_cols.index(m)], up_b[:, boot_cols.index(m)]
        else:
            low = up = np.full(view.size, np.nan)
        columns[f"{metric}_lower"] = low
        columns[f"{metric}_upper"] = up
    return pd.DataFrame(columns, index=pd.RangeIndex(view.size))


def _tables(
    layout: CellLayout,
    engine: MetricEngine,
    datas: list[ViewData],
    pol: FairnessPolicy,
    confidence: float,
    weighted: bool,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    groups, comparisons, omnibus = [], [], []
    for data in datas[:-1]:
        table = _group_table(layout, engine, data, confidence, pol.min_group_size)
        groups.append(table)
        counts = data.confusion if weighted else data.confusion_rows
        pairs = pairwise_comparisons(
            counts,
            data.reference,
            tested=pol.tested_metrics,
            confidence=confidence,
            alpha=pol.alpha,
            power_ratio=pol.power_ratio,
            weighted=weighted,
        )
        head = table[["attribute", *layout.control]].iloc[pairs["row"]].reset_index(drop=True)
        pairs.insert(0, "group", [data.labels[i] for i in pairs["row"]])
        pairs.insert(1, "reference", [data.labels[i] for i in pairs["reference_row"]])
        comparisons.append(pd.concat([head, pairs.drop(columns=["row", "reference_row"])], axis=1))
        chi = omnibus_tests(counts, data.view.stratum)
        chi.insert(0, "attribute", data.view.key)
        omnibus.append(chi)
    by_group = pd.concat(groups, ignore_index=True)
    ordered = ["attribute", "group", *layout.control, *layout.sensitive]
    by_group = by_group[ordered + [c for c in by_group.columns if c not in ordered]]
    table = add_detectable_difference(pd.concat(comparisons, ignore_index=True), pol.alpha)
    return by_group, table, pd.concat(omnibus, ignore_index=True)


def _verdicts(
    layout: CellLayout,
    engine: MetricEngine,
    datas: list[ViewData],
    pol: FairnessPolicy,
    confidence: float,
) -> pd.DataFrame:
    rows = []
    for data in datas:
        raw = data.confusion_rows
        den = {m: rate_counts(m, raw)[1] for m in RATE_METRICS}
        for s in np.unique(data.view.stratum):
            members = np.flatnonzero(data.view.stratum == s)
            stratum = {c: layout.strata_keys.iloc[int(s)][c] for c in layout.control}
            for rule in pol.rules:
                j = judge(
                    rule,
                    metrics=engine.metrics,
                    point=data.point,
                    replicates=data.replicates,
                    groups=members,
                    rows=data.rows,
                    denominator_rows=den,
                    labels=data.labels,
                    min_group_size=pol.min_group_size,
                    confidence=confidence,
                )
                rows.append(
                    {
                        "rule": rule.name,
                        "attribute": data.view.key,
                        **stratum,
                        "statistic": rule.statistic,
                        "metrics": "+".join(rule.metrics),
                        "bound": rule.bound,
                        "value": j.value,
                        "lower": j.lower,
                        "upper": j.upper,
                        "verdict": str(j.verdict),
                        "reason": j.reason,
                        "low_group": None if j.low_group is None else data.labels[j.low_group],
                        "high_group": None if j.high_group is None else data.labels[j.high_group],
                        "binding_metric": j.binding_metric,
                    }
                )
    return pd.DataFrame(rows)
