"""The mitigation engine as a run: threshold trade-offs with legal flags, as evidence.

``ombud mitigate thresholds`` (and later the web and the demo) describe the work as a
:class:`ThresholdRequest` and call :func:`mitigate_thresholds`, which goes through
:func:`ombud.services.runs.run_engine`: the target is checked before the data is read, the
engine runs outside any transaction, and the ``mitigation`` evidence is recorded in one.

One thing is decided here rather than in the engine, because it needs the record: the
legal context. With a target, the system's domain, deployment regions and latest
classification decide which flags apply (the engine takes them as plain values); without
one, the caller may name a domain and regions by hand, or no flag is evaluated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

# Whether a region code is in the EU (a member state or EU itself) is the classifier's rule;
# there is one list of member states, in compliance.
from ombud.compliance._conditions import in_eu, region_matches
from ombud.fairness.mitigate import (
    LegalContext,
    MitigationInputError,
    ThresholdTradeoffs,
    Utility,
    mitigation_draft,
    threshold_tradeoffs,
)
from ombud.records import EvidenceDraft, InputRef, sha256_file
from ombud.services.runs import EngineRun, RecordTarget, RunOutcome, run_engine
from ombud.services.systems import get_system
from ombud.stats import ClassificationSpec, Tally, TallyError, build_tally

__all__ = [
    "ThresholdOutcome",
    "ThresholdRequest",
    "jurisdictions_of",
    "mitigate_thresholds",
    "thresholds_run",
]


@dataclass(frozen=True)
class ThresholdRequest:
    """What a threshold trade-off reads and how: the engine's arguments, plus the data.

    ``domain`` and ``regions`` give the legal context by hand when the run is not recorded
    on a system (a recorded run always takes the system's own).
    """

    data: Path | pd.DataFrame
    score: str
    label: str
    sensitive: Sequence[str]
    pos_label: Any = None
    weights: str | None = None
    bins: int = 100
    tolerance: float = 0.05
    utility: Utility = field(default_factory=Utility)
    on_missing: str = "raise"
    n_boot: int = 1000
    seed: int = 0
    confidence: float = 0.95
    domain: str | None = None
    regions: Sequence[str] = ()


@dataclass(frozen=True)
class ThresholdOutcome:
    """The engine's result with the Tally it read (stored as the evidence's artifact)."""

    result: ThresholdTradeoffs
    tally: Tally
    inputs: tuple[InputRef, ...]


def jurisdictions_of(regions: Sequence[str]) -> frozenset[str]:
    """``US`` and/or ``EU`` for the deployment regions that fall under them."""
    found = set()
    if any(region_matches(code, "US") for code in regions):
        found.add("US")
    if any(in_eu(code) for code in regions):
        found.add("EU")
    return frozenset(found)


def _context(request: ThresholdRequest, target: RecordTarget | None) -> LegalContext | None:
    if target is not None:
        detail = get_system(target.context, target.system_id)
        latest = detail.classification
        label = (
            f"tier {latest.tier} ({latest.tier_label}), EU {latest.eu_category}" if latest else ""
        )
        return LegalContext.of(detail.domain, jurisdictions_of(detail.deployment_regions), label)
    if request.domain or request.regions:
        return LegalContext.of(request.domain or "", jurisdictions_of(request.regions))
    return None


def _tally(request: ThresholdRequest) -> tuple[Tally, tuple[InputRef, ...]]:
    if request.bins < 2:
        raise MitigationInputError(
            f"--bins must be at least 2 candidate thresholds, got {request.bins}"
        )
    if isinstance(request.data, Path) and not request.data.is_file():
        raise MitigationInputError(f"file {str(request.data)!r} does not exist; check the path")
    spec = ClassificationSpec(
        label=request.label,
        score=request.score,
        groups=tuple(request.sensitive),
        weight=request.weights,
        pos_label=request.pos_label,
        score_bins=request.bins,
        on_missing="drop" if request.on_missing == "drop" else "raise",
    )
    source: Any = str(request.data) if isinstance(request.data, Path) else request.data
    try:
        tally = build_tally(source, spec)
    except TallyError as exc:
        raise MitigationInputError(str(exc)) from None
    if tally.dropped_rows and request.on_missing != "drop":
        raise MitigationInputError(
            f"{tally.dropped_rows} row(s) have a missing label or score; pass --on-missing drop "
            "to drop and count them, or fix the data"
        )
    inputs: tuple[InputRef, ...] = ()
    if isinstance(request.data, Path):
        inputs = (InputRef(request.data.name, sha256_file(str(request.data)), rows=tally.n_rows),)
    return tally, inputs


def thresholds_run(
    request: ThresholdRequest, target: RecordTarget | None = None
) -> EngineRun[ThresholdOutcome]:
    def execute() -> ThresholdOutcome:
        tally, inputs = _tally(request)
        result = threshold_tradeoffs(
            tally,
            tuple(request.sensitive),
            utility=request.utility,
            tolerance=request.tolerance,
            n_boot=request.n_boot,
            seed=request.seed,
            confidence=request.confidence,
            context=_context(request, target),
        )
        return ThresholdOutcome(result, tally, inputs)

    def draft(outcome: ThresholdOutcome) -> EvidenceDraft:
        u = request.utility
        return mitigation_draft(
            outcome.result,
            outcome.tally,
            inputs=outcome.inputs,
            parameters={
                "score": request.score,
                "label": request.label,
                "sensitive": list(request.sensitive),
                "weights": request.weights,
                "bins": request.bins,
                "utility": {"tp": u.tp, "tn": u.tn, "fp": u.fp, "fn": u.fn},
            },
        )

    return EngineRun(label="threshold trade-offs", execute=execute, draft=draft)


def mitigate_thresholds(
    request: ThresholdRequest, target: RecordTarget | None = None
) -> RunOutcome[ThresholdOutcome]:
    """Threshold trade-offs with legal flags; with ``target``, recorded as ``mitigation``."""
    return run_engine(thresholds_run(request, target), target)
