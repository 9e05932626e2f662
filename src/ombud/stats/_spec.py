"""What the columns of the prediction data mean, said once and passed explicitly to a builder.

A spec is separate from the source so that the same spec builds identical Tallies from pandas,
files, SQL or Spark: the engines differ, the meaning of the columns does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ombud.stats._errors import TallyError
from ombud.stats._tally import RESERVED, check_edges, uniform_edges

OnMissing = Literal["raise", "drop"]


def _check_common(groups: tuple[str, ...], window: str | None, on_missing: str) -> None:
    if on_missing not in ("raise", "drop"):
        raise TallyError(f"on_missing must be 'raise' or 'drop', got {on_missing!r}")
    names = [*groups, *([window] if window else [])]
    clash = sorted(n for n in names if n in RESERVED)
    if clash:
        raise TallyError(
            f"group/window column name(s) {clash} are reserved in a Tally; rename them first"
        )
    if len(set(groups)) != len(groups) or (window is not None and window in groups):
        raise TallyError(f"group columns {list(groups)} and window {window!r} must be distinct")


@dataclass(frozen=True)
class ClassificationSpec:
    """Columns of a classifier's output: a label and a prediction and/or a score in [0, 1].

    Binary labels must be 0/1 or boolean unless ``pos_label`` says which value is positive
    (it then applies to the prediction column too). ``multiclass=True`` keeps the class values
    as they are. ``score_bins`` is a number of equal-width bins or explicit edges from 0 to 1.
    """

    label: str
    prediction: str | None = None
    score: str | None = None
    groups: tuple[str, ...] = ()
    window: str | None = None
    weight: str | None = None
    pos_label: bool | int | float | str | None = None
    multiclass: bool = False
    score_bins: int | Sequence[float] = 100
    on_missing: OnMissing = "raise"

    def __post_init__(self) -> None:
        object.__setattr__(self, "groups", tuple(self.groups))
        _check_common(self.groups, self.window, self.on_missing)
        if self.prediction is None and self.score is None:
            raise TallyError("a classification spec needs prediction= or score= (or both)")
        if self.multiclass and self.score is not None:
            raise TallyError("score= is for binary classifiers; drop it or set multiclass=False")
        if self.multiclass and self.pos_label is not None:
            raise TallyError("pos_label= makes labels binary; drop it or set multiclass=False")

    @property
    def edges(self) -> tuple[float, ...] | None:
        if self.score is None:
            return None
        if isinstance(self.score_bins, int):
            return uniform_edges(self.score_bins)
        return check_edges(self.score_bins)

    @property
    def columns(self) -> dict[str, str]:
        """Role -> source column, for the columns this spec reads."""
        roles = {
            "label": self.label,
            "prediction": self.prediction,
            "score": self.score,
            "window": self.window,
            "weight": self.weight,
        }
        out = {role: col for role, col in roles.items() if col is not None}
        out.update({f"group {g}": g for g in self.groups})
        return out


@dataclass(frozen=True)
class RegressionSpec:
    """Columns of a regressor's output: the observed outcome and the prediction."""

    outcome: str
    prediction: str
    groups: tuple[str, ...] = ()
    window: str | None = None
    weight: str | None = None
    on_missing: OnMissing = "raise"

    def __post_init__(self) -> None:
        object.__setattr__(self, "groups", tuple(self.groups))
        _check_common(self.groups, self.window, self.on_missing)

    @property
    def columns(self) -> dict[str, str]:
        roles = {
            "outcome": self.outcome,
            "prediction": self.prediction,
            "window": self.window,
            "weight": self.weight,
        }
        out = {role: col for role, col in roles.items() if col is not None}
        out.update({f"group {g}": g for g in self.groups})
        return out


Spec = ClassificationSpec | RegressionSpec


def check_columns(spec: Spec, available: Sequence[str], where: str) -> None:
    """Raise one line naming every missing column and listing what the data has."""
    have = set(available)
    missing = [f"{col!r} ({role})" for role, col in spec.columns.items() if col not in have]
    if missing:
        shown = ", ".join(list(available)[:30]) + (" ..." if len(available) > 30 else "")
        raise TallyError(f"{where}: missing column(s) {', '.join(missing)}; it has: {shown}")
