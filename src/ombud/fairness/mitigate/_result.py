"""The result of a threshold trade-off: the frontier, its Pareto sets, and the options.

Frozen and typed; ``to_dict`` is the JSON form the CLI prints and the evidence stores, so
an auditor can compare every number with a recomputation from the stored Tally.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ombud.fairness.mitigate._counts import ScoreHistograms
from ombud.fairness.mitigate._legal import LegalAssessment
from ombud.fairness.mitigate._rates import GAPS, Utility

__all__ = ["OPTION_METRICS", "Option", "ThresholdTradeoffs"]

FloatArray = NDArray[np.float64]

#: The summary numbers every option carries (with an interval when bootstrapped).
OPTION_METRICS = ("utility", "accuracy", "selection_rate", *GAPS)


@dataclass(frozen=True)
class Option:
    """One way to set thresholds, the rule that picked it, and what it achieves.

    ``thresholds`` maps each group to its threshold (the same for every group when the
    option is group-blind; for a randomised option, the two thresholds it mixes, as text
    in ``randomisation``). ``acceptance[g, b]`` is the probability of a positive decision
    for a row of group ``g`` in score bin ``b``; every metric is a function of it and the
    histograms. An infeasible rule (no threshold satisfies it) has ``feasible=False``.
    """

    name: str
    rule: str
    group_specific: bool
    randomised: bool
    feasible: bool
    thresholds: Mapping[str, float]
    randomisation: Mapping[str, str]
    acceptance: FloatArray
    metrics: Mapping[str, float]
    by_group: pd.DataFrame
    intervals: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def uses_attribute(self) -> bool:
        """Whether the decision depends on the protected attribute itself."""
        return self.group_specific

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rule": self.rule,
            "group_specific": self.group_specific,
            "randomised": self.randomised,
            "feasible": self.feasible,
            "thresholds": {g: _num(t) for g, t in self.thresholds.items()},
            "randomisation": dict(self.randomisation),
            "metrics": {k: _num(v) for k, v in self.metrics.items()},
            "intervals": {k: [_num(a), _num(b)] for k, (a, b) in self.intervals.items()},
            "by_group": [
                {k: (_num(v) if isinstance(v, float) else v) for k, v in row.items()}
                for row in self.by_group.to_dict(orient="records")
            ],
        }


def _num(value: float) -> float | str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return float(value)


@dataclass(frozen=True)
class ThresholdTradeoffs:
    """Every candidate threshold's utility and gaps, and the options the common rules pick.

    ``frontier``: one row per group-blind candidate threshold (the Tally's bin edges, then
    +inf for "nobody"), with utility, accuracy, overall selection rate, every gap, and a
    ``pareto_<gap>`` flag per gap. ``group_rates``: the same candidates per group.
    ``group_specific``: for each constrained rate and level, the best utility reachable
    with one threshold per group. ``options``: what each rule picks. ``legal``: the flags
    on every option for the system's context, and the recommended option.
    """

    @property
    def recommended(self) -> Option | None:
        name = self.legal.recommended
        return None if name is None else self.option(name)

    histograms: ScoreHistograms
    utility: Utility
    tolerance: float
    frontier: pd.DataFrame
    group_rates: pd.DataFrame
    options: tuple[Option, ...]
    legal: LegalAssessment
    n_boot: int
    seed: int
    confidence: float
    #: Computes the group-specific frontier (one exact search per gap and level); run on
    #: first use of ``group_specific``, as it costs more than everything else together.
    specific_frontier: Callable[[], pd.DataFrame] = field(repr=False, compare=False)

    @functools.cached_property
    def group_specific(self) -> pd.DataFrame:
        return self.specific_frontier()

    @property
    def groups(self) -> tuple[str, ...]:
        return self.histograms.groups

    def option(self, name: str) -> Option:
        for option in self.options:
            if option.name == name:
                return option
        raise KeyError(f"no option {name!r}; options: {[o.name for o in self.options]}")

    def pareto(self, gap: str) -> pd.DataFrame:
        """The Pareto set of the group-blind frontier for ``gap``."""
        if gap not in GAPS:
            raise KeyError(f"unknown gap {gap!r}; gaps: {list(GAPS)}")
        return self.frontier[self.frontier[f"pareto_{gap}"]]

    def to_dict(self) -> dict[str, Any]:
        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = []
            for row in frame.to_dict(orient="records"):
                out.append(
                    {str(k): (_num(v) if isinstance(v, float) else v) for k, v in row.items()}
                )
            return out

        return {
            "attributes": list(self.histograms.attributes),
            "groups": list(self.groups),
            "rows": int(self.histograms.rows.sum()),
            "candidates": len(self.frontier),
            "utility": {
                "tp": self.utility.tp,
                "tn": self.utility.tn,
                "fp": self.utility.fp,
                "fn": self.utility.fn,
            },
            "tolerance": self.tolerance,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "confidence": self.confidence,
            "options": [o.to_dict() for o in self.options],
            "legal": self.legal.to_dict(),
            "frontier": records(self.frontier),
            "group_specific": records(self.group_specific),
        }
