"""What an explanation run is asked to do, and what it gives back (typed, frozen).

The requests of ``ombud explain shap|lime|gap|reasons`` (and of any other adapter) and the
:class:`ExplainReport` every run returns; :mod:`ombud.services.explain_runs` runs them.
Kept apart so the runs module stays about loading, reading and running.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from ombud.explain import (
    AdverseActionReasons,
    AttentionMaps,
    Explanation,
    GapAttribution,
    LoadedModel,
    ModelRateGap,
    evidence_draft,
    rate_gap_draft,
)
from ombud.records import EvidenceDraft, InputRef

__all__ = [
    "AttentionReport",
    "AttentionRequest",
    "ExplainReport",
    "GapRequest",
    "LimeRequest",
    "ModelSource",
    "Output",
    "Rate",
    "RateGapReport",
    "RateGapRequest",
    "ReasonsRequest",
    "ShapMethod",
    "ShapRequest",
    "TextIgRequest",
]

ShapMethod = Literal["auto", "tree", "linear", "exact", "permutation", "kernel"]
Output = Literal["auto", "margin", "probability", "prediction"]
Rate = Literal["selection", "fpr", "tpr"]


@dataclass(frozen=True)
class ModelSource:
    """A model file and what the caller vouches for.

    ``trust`` allows a pickle/joblib file; it then needs ``sha256`` (a run not recorded) or
    the digest pinned on the recorded version. ``trusted_types`` are extra skops types a
    person reviewed.
    """

    path: Path
    trust: bool = False
    sha256: str | None = None
    trusted_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShapRequest:
    """SHAP attributions of (a sample of) the rows of ``data``."""

    model: ModelSource
    data: Path
    method: ShapMethod = "auto"
    output: Output = "auto"
    background: Path | None = None
    background_size: int = 100
    max_rows: int = 2000
    seed: int = 0
    max_evaluations: int = 5_000_000
    #: Columns of ``data`` that are not model inputs (ignored when the model names its own).
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class LimeRequest:
    """LIME weights of chosen rows (0-based positions in ``data``), with their stability."""

    model: ModelSource
    data: Path
    rows: tuple[int, ...]
    output: Output = "auto"
    seed: int = 0
    n_seeds: int = 10
    top_k: int = 4
    threshold: float = 0.8
    num_samples: int = 1000
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class GapRequest:
    """The gap in mean model output between two groups of ``sensitive``, split by feature.

    ``groups`` names group A and group B; by default the two most frequent values (ties by
    name), A the more frequent.
    """

    model: ModelSource
    data: Path
    sensitive: str
    groups: tuple[str, str] | None = None
    method: ShapMethod = "auto"
    output: Output = "auto"
    background_size: int = 100
    max_rows: int = 2000
    seed: int = 0
    confidence: float = 0.95
    ignore: tuple[str, ...] = ()
    #: Cross-reference the proxy report: score each feature by how well it predicts
    #: ``sensitive`` (cross-validated AUC, ``ombud.fairness.detect_proxies``), so a feature
    #: that carries the gap *and* predicts the attribute is flagged as a likely proxy.
    proxies: bool = True


@dataclass(frozen=True)
class RateGapRequest:
    """The gap in a thresholded rate between two groups of ``sensitive``, split by feature.

    A row counts as selected when the model's ``output`` is at least ``threshold`` (by
    default 0 on a margin, 0.5 on a probability). ``rate`` is the selection rate over all
    rows, or the false/true positive rate over the rows whose ``label`` is not/is
    ``pos_label`` (compared as text). ``groups`` as for :class:`GapRequest`.
    """

    model: ModelSource
    data: Path
    sensitive: str
    groups: tuple[str, str] | None = None
    rate: Rate = "selection"
    label: str | None = None
    pos_label: str = "1"
    threshold: float | None = None
    output: Output = "auto"
    pairs: int = 2000
    permutations: int = 64
    n_boot: int = 200
    confidence: float = 0.95
    seed: int = 0
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class RateGapReport:
    """What a rate-gap run produced, with its model and data references."""

    model: LoadedModel
    data: InputRef
    attribution: ModelRateGap
    attribute: str
    rate: Rate
    label: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    command: str = "rate-gap"

    def inputs(self) -> tuple[InputRef, ...]:
        model = InputRef(
            Path(self.model.path).name,
            self.model.sha256,
            description=f"model ({self.model.format})",
        )
        return (model, self.data)

    def parameters(self) -> dict[str, object]:
        a = self.attribution
        return {
            "output": a.output,
            "threshold": a.threshold,
            "rate": self.rate,
            "label": self.label,
            "decision": a.decision(),
        }

    def draft(self) -> EvidenceDraft:
        """The ``explainability_report`` evidence this run stands for."""
        return rate_gap_draft(
            self.attribution.result,
            attribute=self.attribute,
            parameters=self.parameters(),
            inputs=self.inputs(),
        )


@dataclass(frozen=True)
class ReasonsRequest:
    """Adverse-action reasons for the applicants ``decision`` marks as declined.

    ``declined_value`` is the decision column's value for a decline (compared as text).
    ``cutoff`` is on the ``output`` scale: by default 0 on a margin (log-odds, what
    ``auto`` picks for a model with ``decision_function``), 0.5 on a probability;
    ``higher_approves`` false for a model whose positive class is the decline.
    ``sensitive`` and ``protected`` are never given as reasons; ``id_column`` names the
    applicants in the notices.
    """

    model: ModelSource
    data: Path
    decision: str
    reasons: Path
    declined_value: str = "0"
    cutoff: float | None = None
    higher_approves: bool = True
    output: Output = "auto"
    background: Literal["cutoff", "all"] = "cutoff"
    background_size: int = 100
    sensitive: str | None = None
    protected: tuple[str, ...] = ()
    id_column: str | None = None
    top_n: int = 4
    seed: int = 0
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class TextIgRequest:
    """Token attributions of a text model (MiniLM + the logistic head in ``model``) by
    layer integrated gradients, for the texts in column ``text_column`` of ``data``.

    ``rows`` picks texts by 0-based position; by default the first ``max_rows``. ``n_steps``
    is doubled per text up to ``max_steps`` until ``|delta| <= tolerance x |f(x) - f(b)|``.
    """

    model: ModelSource
    data: Path
    text_column: str
    rows: tuple[int, ...] = ()
    max_rows: int = 20
    n_steps: int = 50
    max_steps: int = 800
    tolerance: float = 0.01
    baseline: Literal["pad", "mask"] = "pad"


@dataclass(frozen=True)
class AttentionRequest:
    """Attention per layer and head, and attention rollout, of a text model on some texts."""

    model: ModelSource
    data: Path
    text_column: str
    rows: tuple[int, ...] = ()
    max_rows: int = 20
    residual: float = 0.5


@dataclass(frozen=True)
class AttentionReport:
    """Attention maps of a text model: shown, never recorded (attention is not an
    explanation of the output; integrated gradients, with its check, is recorded)."""

    model: LoadedModel
    data: InputRef
    attention: AttentionMaps
    row_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExplainReport:
    """What one explanation run produced, and where its model and data came from.

    ``gap`` and ``importance`` (mean |attribution| per feature per group) come with a gap
    run, ``reasons`` with a reasons run; ``explanation`` is always there.
    """

    command: str
    model: LoadedModel
    data: InputRef
    explanation: Explanation
    gap: GapAttribution | None = None
    gap_attribute: str = ""
    importance: pd.DataFrame | None = None
    reasons: AdverseActionReasons | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: Reasons run with a sensitive column: per group of declined applicants, the share
    #: given each reason code (a reason falling far more often on one group is a signal).
    reason_distribution: pd.DataFrame | None = None
    #: What each explained row is called in the data (LIME: its row number in the file).
    row_labels: tuple[str, ...] = ()

    def inputs(self) -> tuple[InputRef, ...]:
        model = InputRef(
            Path(self.model.path).name,
            self.model.sha256,
            description=f"model ({self.model.format})",
        )
        extra: tuple[InputRef, ...] = ()
        if self.reasons is not None:
            table = self.reasons.settings
            extra = (
                InputRef(
                    Path(str(table["reason_table"])).name,
                    str(table["reason_table_sha256"]),
                    description="reason-code table",
                ),
            )
        return (model, self.data, *extra)

    def draft(self) -> EvidenceDraft:
        """The ``explainability_report`` evidence this run stands for."""
        return evidence_draft(
            self.explanation,
            gap=self.gap,
            gap_attribute=self.gap_attribute or "group",
            reasons=self.reasons,
            inputs=self.inputs(),
        )
