"""Principal reasons for adverse action (ECOA / Regulation B, 12 CFR 1002.9(b)(2)).

The Official Staff Commentary (comment 9(b)(2)-5) accepts, among others, two ways of
picking the reasons from a scoring system: the factors on which the applicant fell
furthest below the average of applicants *at or slightly above the minimum passing
score*, or below the average of *all applicants*. Interventional SHAP values against a
background of exactly those applicants are that comparison, generalised to a model with
interactions: for a linear score they equal ``w_j (x_j - mean_background x_j)``, the
factor's points below the background's average.

Per declined applicant: attributions against the recorded background; features mapped
onto reason codes (many to one, contributions added); protected attributes and flagged
proxies withheld (and recorded when they would have ranked among the reasons, since that
is a finding about the model, not something to hide); codes that pushed the score toward
decline ranked by how much, ties by code; the top ``top_n`` kept. A second run with
another background sample and seed measures whether the reasons survive.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ombud.explain._boosters import adapt
from ombud.explain._errors import ExplainInputError
from ombud.explain._inputs import model_output, numeric_frame
from ombud.explain._reason_table import ReasonTable
from ombud.explain._result import Explanation
from ombud.explain._shap import ShapMethod, explain_shap

__all__ = ["AdverseActionReasons", "adverse_action_reasons"]

FloatArray = NDArray[np.float64]
_DECIMALS = 12  # contributions equal to 12 decimals count as tied; the code breaks the tie
_NO_REASON = (
    "No principal reason could be derived from the model against the recorded background; "
    "this decision needs a review by hand before a notice is sent."
)


@dataclass(frozen=True)
class AdverseActionReasons:
    """Reasons per declined applicant, the notices, and the checks behind them."""

    rows: pd.DataFrame  # applicant, rank, code, statement, contribution, features
    notices: dict[str, str]
    withheld: pd.DataFrame  # applicant, feature, contribution, why (would have ranked)
    stability_unchanged: float  # share of applicants whose top-n code set survived
    stability_jaccard: float  # mean Jaccard index of the two top-n code sets
    explanation: Explanation
    settings: dict[str, Any] = field(default_factory=dict)

    def distribution(self, groups: pd.Series | Sequence[Any]) -> pd.DataFrame:
        """Share of declined applicants in each group given each code among their reasons.

        ``groups`` gives each *declined* applicant's group, in the order of the applicants.
        A reason that falls much more often on one group is a fairness signal to examine.
        """
        values = np.asarray(groups, dtype=object)
        if len(values) != len(self.settings["applicants"]):
            raise ExplainInputError(
                f"groups has {len(values)} values; give one per declined applicant "
                f"({len(self.settings['applicants'])})"
            )
        labels = pd.Series(values, index=self.settings["applicants"])
        counts = labels.value_counts()
        joined = self.rows.assign(group=self.rows["applicant"].map(labels))
        table = joined.groupby(["group", "code"]).size().unstack(fill_value=0)
        return table.div(counts.reindex(table.index), axis=0)


def _background_pool(
    scores: FloatArray, cutoff: float, higher_approves: bool, mode: str, size: int
) -> NDArray[np.intp]:
    """Row indexes of the background candidates: all, or approved rows nearest the cutoff."""
    if mode == "all":
        return np.arange(len(scores))
    margin = scores - cutoff if higher_approves else cutoff - scores
    approved = np.flatnonzero(margin >= 0)
    if len(approved) == 0:
        raise ExplainInputError("no applicant scores at or above the cutoff; check cutoff=")
    order = approved[np.argsort(margin[approved], kind="stable")]
    return order[: max(size, 1)]


def _rank(
    phi: FloatArray,
    names: Sequence[str],
    table: ReasonTable,
    withheld: set[str],
    sign: float,
    top_n: int,
) -> tuple[list[tuple[str, float, list[str]]], list[tuple[str, float]]]:
    """Top codes by adverse contribution, and withheld features that would have ranked."""
    adverse = sign * phi
    by_code: dict[str, float] = {}
    members: dict[str, list[str]] = {}
    for j, feature in enumerate(names):
        if feature in withheld:
            continue
        code = table.entries[feature].code
        by_code[code] = by_code.get(code, 0.0) + float(adverse[j])
        members.setdefault(code, []).append(feature)
    ranked = sorted(
        ((c, v) for c, v in by_code.items() if round(v, _DECIMALS) > 0),
        key=lambda item: (-round(item[1], _DECIMALS), item[0]),
    )[:top_n]
    floor = ranked[-1][1] if len(ranked) == top_n else 0.0
    hidden = [
        (f, float(adverse[j]))
        for j, f in enumerate(names)
        if f in withheld and adverse[j] > 0 and adverse[j] >= floor
    ]
    return [(c, v, members[c]) for c, v in ranked], hidden


def adverse_action_reasons(
    model: Any,
    applicants: pd.DataFrame,
    *,
    table: ReasonTable,
    cutoff: float,
    background: Literal["cutoff", "all"] = "cutoff",
    higher_approves: bool = True,
    declined: Sequence[bool] | None = None,
    ids: Sequence[Any] | None = None,
    protected: Iterable[str] = (),
    proxies: Iterable[str] = (),
    top_n: int = 4,
    background_size: int = 100,
    seed: int = 0,
    method: ShapMethod = "auto",
    output: Literal["auto", "margin", "probability", "prediction"] = "auto",
) -> AdverseActionReasons:
    """Principal reasons for each declined applicant among ``applicants`` (all scored).

    A row is declined when its explained output is below ``cutoff`` (above, with
    ``higher_approves=False``), unless ``declined`` says otherwise. The background is
    ``background_size`` rows drawn with ``seed`` from the approved applicants nearest the
    cutoff (``'cutoff'``: the 3 x ``background_size`` closest at or above it) or from all
    applicants (``'all'``). The stability check repeats the work with ``seed + 1``.
    """
    if top_n < 1:
        raise ExplainInputError("top_n must be at least 1")
    if background not in ("cutoff", "all"):
        raise ExplainInputError(f"background={background!r}; use 'cutoff' or 'all'")
    model = adapt(model)
    frame = numeric_frame(applicants, model, "applicants")
    names = list(frame.columns)
    excluded = set(protected) | set(proxies)
    excluded_lower = {e.lower() for e in excluded}
    table.check_covers(names, excluded)
    withheld = {f for f in names if f.lower() in excluded_lower}
    out = model_output(model, names, output)
    scores = out(frame.to_numpy())
    mask = (
        np.asarray(declined, dtype=bool)
        if declined is not None
        else (scores < cutoff if higher_approves else scores > cutoff)
    )
    if len(mask) != len(frame):
        raise ExplainInputError("declined must give one flag per applicant")
    if not mask.any():
        raise ExplainInputError("no applicant is declined at this cutoff; nothing to explain")
    labels = [str(i) for i in (ids if ids is not None else applicants.index)]
    if len(labels) != len(frame) or len(set(labels)) != len(labels):
        raise ExplainInputError("ids must give one distinct id per applicant")
    pool = _background_pool(scores, cutoff, higher_approves, background, 3 * background_size)
    sign = -1.0 if higher_approves else 1.0
    declined_rows = frame[mask].reset_index(drop=True)
    declined_ids = [labels[i] for i in np.flatnonzero(mask)]

    def run(run_seed: int) -> tuple[Explanation, list[Any]]:
        expl = explain_shap(
            model,
            declined_rows,
            background=frame.iloc[pool],
            background_size=background_size,
            seed=run_seed,
            method=method,
            output=output,
        )
        ranked = [
            _rank(expl.attributions[i], names, table, withheld, sign, top_n)
            for i in range(len(declined_rows))
        ]
        return expl, ranked

    explanation, ranked = run(seed)
    _, again = run(seed + 1)
    rows, hidden_rows, notices, same, jaccard = [], [], {}, [], []
    unexplained: list[str] = []
    codes = table.codes()
    for applicant, (reasons, hidden), (other, _) in zip(declined_ids, ranked, again, strict=True):
        for rank, (code, value, features) in enumerate(reasons, start=1):
            rows.append((applicant, rank, code, codes[code], value, ", ".join(features)))
        hidden_rows += [(applicant, f, v, "protected or proxy") for f, v in hidden]
        lines = [f"{i}. {codes[c]}" for i, (c, _, _) in enumerate(reasons, start=1)]
        notices[applicant] = "Principal reason(s) for our decision:\n" + "\n".join(lines)
        if not reasons:  # nothing pushed toward decline against this background
            unexplained.append(applicant)
            notices[applicant] = _NO_REASON
        a, b = {c for c, _, _ in reasons}, {c for c, _, _ in other}
        same.append(a == b)
        jaccard.append(len(a & b) / len(a | b) if a | b else 1.0)
    columns = ["applicant", "rank", "code", "statement", "contribution", "features"]
    return AdverseActionReasons(
        rows=pd.DataFrame(rows, columns=columns),
        notices=notices,
        withheld=pd.DataFrame(hidden_rows, columns=["applicant", "feature", "contribution", "why"]),
        stability_unchanged=float(np.mean(same)),
        stability_jaccard=float(np.mean(jaccard)),
        explanation=explanation,
        settings={
            "background": background,
            "background_rows": int(explanation.settings["background_rows"]),
            "background_pool_rows": len(pool),
            # False when the pool is no larger than the background: both runs then use the
            # same rows, and the stability numbers measure nothing but the explainer's seed.
            "stability_resampled": len(pool) > background_size,
            "cutoff": cutoff,
            "higher_approves": higher_approves,
            "top_n": top_n,
            "seed": seed,
            "stability_seed": seed + 1,
            "withheld_features": sorted(withheld),
            "without_reasons": unexplained,
            "reason_table": table.source,
            "reason_table_sha256": table.sha256,
            "applicants": declined_ids,
        },
    )
