"""``ombud explain rate-gap`` as a run: a gap in a thresholded rate, attributed to features.

Same shape as the other explanation runs (:mod:`ombud.services.explain_runs`): the target
is checked before the model is read, the engine (``ombud.explain.model_rate_gap``) runs
outside any transaction and the ``explainability_report`` evidence is recorded in one, or
nothing is. The service settles what needs the data file: which column holds the groups,
which rows the rate is taken over (all of them for a selection rate; the true negatives'
and positives' rows, by the label column, for a false or true positive rate), and which
columns are the model's features.
"""

from __future__ import annotations

import pandas as pd

from ombud.explain import ExplainInputError, model_rate_gap
from ombud.services.explain_requests import RateGapReport, RateGapRequest
from ombud.services.explain_runs import _column, _features, _load, _pick_groups, _read
from ombud.services.runs import EngineRun, RecordTarget, RunOutcome, run_engine

__all__ = ["explain_rate_gap_run", "rate_gap_run"]


def _condition(frame: pd.DataFrame, request: RateGapRequest) -> pd.Series | None:
    """Which rows the rate is taken over: all, or those with the negative/positive label."""
    if request.rate == "selection":
        if request.label is not None:
            raise ExplainInputError(
                "--label only applies to --rate fpr or tpr (a selection rate counts every row)"
            )
        return None
    if request.label is None:
        raise ExplainInputError(
            f"--rate {request.rate} needs --label, the column of true outcomes, to pick the "
            f"rows whose outcome is {'not ' if request.rate == 'fpr' else ''}"
            f"{request.pos_label!r}"
        )
    labels = _column(frame, request.label, request.data, "--label")
    if labels.isna().any():
        raise ExplainInputError(
            f"--label {request.label!r} has {int(labels.isna().sum())} missing value(s) in "
            f"{request.data.name}; fill or drop those rows first"
        )
    positive = labels.astype(str) == request.pos_label
    if not positive.any():
        seen = sorted(set(labels.astype(str)))[:12]
        raise ExplainInputError(
            f"--label {request.label!r}: no row has the positive value {request.pos_label!r} "
            f"(values: {seen}); set --pos-label"
        )
    return ~positive if request.rate == "fpr" else positive


def rate_gap_run(
    request: RateGapRequest, target: RecordTarget | None = None
) -> EngineRun[RateGapReport]:
    def execute() -> RateGapReport:
        model = _load(request.model, target)
        frame, ref = _read(request.data)
        groups = _column(frame, request.sensitive, request.data, "--sensitive")
        if groups.isna().any():
            raise ExplainInputError(
                f"--sensitive {request.sensitive!r} has {int(groups.isna().sum())} missing "
                f"value(s) in {request.data.name}; fill or drop those rows first"
            )
        a, b = _pick_groups(groups, request.groups, f"--sensitive {request.sensitive!r}")
        condition = _condition(frame, request)
        roles = (request.sensitive, *((request.label,) if request.label else ()), *request.ignore)
        X = _features(frame, model, request.data, roles)
        attribution = model_rate_gap(
            model.model,
            X,
            groups.astype(str).reset_index(drop=True),
            a,
            b,
            output=request.output,
            threshold=request.threshold,
            condition=None if condition is None else condition.reset_index(drop=True),
            pairs=request.pairs,
            permutations=request.permutations,
            n_boot=request.n_boot,
            confidence=request.confidence,
            seed=request.seed,
        )
        notes = (
            f"{request.rate} rate; {attribution.decision()}",
            f"{request.pairs} random ({a}, {b}) row pairs drawn with seed {request.seed}",
        )
        return RateGapReport(
            model, ref, attribution, request.sensitive, request.rate, request.label, notes
        )

    return EngineRun(label="explain rate-gap", execute=execute, draft=lambda r: r.draft())


def explain_rate_gap_run(
    request: RateGapRequest, target: RecordTarget | None = None
) -> RunOutcome[RateGapReport]:
    """A rate gap attributed to features, with intervals; with ``target``, recorded."""
    return run_engine(rate_gap_run(request, target), target)
