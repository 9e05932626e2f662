"""Per-group metric tables and their disparity summaries, in fairlearn's vocabulary.

``by_group`` holds one row per group (per stratum of the control features, if any) and one
column per metric; ``overall`` is the same metric on everyone (per stratum). The summaries
reduce over groups within each stratum: ``group_min``/``group_max``, ``difference`` and
``ratio`` between groups, to the overall value, or to a named reference group.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
import pandas as pd

from ombud.stats._errors import TallyError
from ombud.stats.metrics._formulas import min_over_max, symmetric_ratio

Method = Literal["between_groups", "to_overall", "to_reference"]


@dataclass(frozen=True)
class GroupMetrics:
    """Metrics per group plus overall; NaN cells have a reason in ``reasons``."""

    by_group: pd.DataFrame
    overall: pd.DataFrame
    reasons: pd.DataFrame
    overall_reasons: pd.DataFrame
    by: tuple[str, ...]
    control: tuple[str, ...] = ()

    @property
    def overall_series(self) -> pd.Series:
        """``overall`` as a Series when there are no control features."""
        if self.control:
            raise TallyError("overall has one row per control stratum; use .overall")
        return self.overall.iloc[0]

    def _reduce(self, table: pd.DataFrame, how: str) -> pd.DataFrame | pd.Series:
        if self.control:
            grouped = table.groupby(level=list(self.control), dropna=False)
            return cast(pd.DataFrame, getattr(grouped, how)())
        return cast(pd.Series, getattr(table, how)())

    @property
    def _by_levels(self) -> list[int | str]:
        return [*self.by]

    def _control_keys(self) -> pd.Index:
        """The control-stratum label of every by_group row (the index of ``overall``)."""
        frame: pd.DataFrame = self.by_group.index.to_frame(index=False)
        if len(self.control) == 1:
            values: list[object] = frame[self.control[0]].to_list()
            return pd.Index(values, name=self.control[0])
        return pd.MultiIndex.from_frame(frame[list(self.control)])

    def group_min(self) -> pd.DataFrame | pd.Series:
        return self._reduce(self.by_group, "min")

    def group_max(self) -> pd.DataFrame | pd.Series:
        return self._reduce(self.by_group, "max")

    def _overall_aligned(self) -> pd.DataFrame:
        if not self.control:
            row = self.overall.iloc[0]
            return pd.DataFrame(
                np.tile(row.to_numpy(), (len(self.by_group), 1)),
                index=self.by_group.index,
                columns=self.by_group.columns,
            )
        keys = self._control_keys()
        aligned = self.overall.reindex(keys)
        aligned.index = self.by_group.index
        return aligned

    def _reference_aligned(self, reference: Hashable) -> pd.DataFrame:
        if not self.by:
            raise TallyError("a reference group needs by= columns")
        groups = list(self.by_group.index.unique())[:10]
        if not self.control:
            if reference not in self.by_group.index:
                raise TallyError(f"reference group {reference!r} not found; groups: {groups}")
            row = self.by_group.loc[[reference]].iloc[0]
            return pd.DataFrame(
                np.tile(row.to_numpy(), (len(self.by_group), 1)),
                index=self.by_group.index,
                columns=self.by_group.columns,
            )
        key = reference if isinstance(reference, tuple) else (reference,)
        try:
            ref = cast(pd.DataFrame, self.by_group.xs(key, level=self._by_levels))
        except KeyError as exc:
            raise TallyError(f"reference group {reference!r} not found; groups: {groups}") from exc
        keys = self._control_keys()
        aligned = ref.reindex(keys)
        aligned.index = self.by_group.index
        return aligned

    def compared_to(
        self, reference: Hashable | None = None, how: Literal["difference", "ratio"] = "difference"
    ) -> pd.DataFrame:
        """Each group's metric minus (or divided by) the reference group's, or overall if None."""
        base = self._overall_aligned() if reference is None else self._reference_aligned(reference)
        if how == "difference":
            return self.by_group - base
        with np.errstate(divide="ignore", invalid="ignore"):
            out = self.by_group / base.where(base != 0)
        return out

    def difference(
        self, method: Method = "between_groups", reference: Hashable | None = None
    ) -> pd.DataFrame | pd.Series:
        """Largest gap: max - min between groups, or max |group - overall/reference|."""
        if method == "between_groups":
            return self._reduce(self.by_group, "max") - self._reduce(self.by_group, "min")
        base = self._base(method, reference)
        return self._reduce((self.by_group - base).abs(), "max")

    def ratio(
        self, method: Method = "between_groups", reference: Hashable | None = None
    ) -> pd.DataFrame | pd.Series:
        """Smallest ratio: min/max between groups, or min of min(g/b, b/g) to overall/reference."""
        if method == "between_groups":
            low, high = self._reduce(self.by_group, "min"), self._reduce(self.by_group, "max")
            return _like(low, min_over_max(low, high))
        base = self._base(method, reference)
        both = symmetric_ratio(self.by_group, base)
        table = pd.DataFrame(both, index=self.by_group.index, columns=self.by_group.columns)
        return self._reduce(table, "min")

    def _base(self, method: Method, reference: Hashable | None) -> pd.DataFrame:
        if method == "to_overall":
            return self._overall_aligned()
        if method == "to_reference":
            if reference is None:
                raise TallyError("method='to_reference' needs reference=<group value>")
            return self._reference_aligned(reference)
        raise TallyError(f"unknown method {method!r}; use between_groups/to_overall/to_reference")

    def tidy(self) -> pd.DataFrame:
        """Long form: one row per (group, metric) with value and reason."""
        values = pd.Series(self.by_group.stack(future_stack=True), name="value")
        reasons = pd.Series(self.reasons.stack(future_stack=True), name="reason")
        out = pd.concat([values, reasons], axis=1).reset_index()
        metric_column = out.columns[len(self.control) + len(self.by)]
        return out.rename(columns={metric_column: "metric"})


def _like(table: pd.DataFrame | pd.Series, values: np.ndarray) -> pd.DataFrame | pd.Series:
    """``values`` with the index (and columns) of ``table``."""
    if isinstance(table, pd.Series):
        return pd.Series(values, index=table.index, name=table.name)
    return pd.DataFrame(values, index=table.index, columns=table.columns)
