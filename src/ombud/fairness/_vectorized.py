"""Every audit metric for every group of every view, for many cell tables at once.

A bootstrap needs the metrics on a thousand resampled tables. This module only does the sums:
sparse products turn a (replicates × cells) matrix into confusion counts, score histograms and
calibration bins per fine group, dense products sum those to each view's groups. The metrics of
those sums are the definitions of ``ombud.stats.metrics`` (``confusion_metrics``, ``roc_auc``,
...), called with the replicate axis in front, the same lines the Tally functions use; a test
holds the two paths equal on resampled tables.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from ombud.fairness._layout import CellLayout, View
from ombud.stats.metrics import (
    CLASSIFICATION_METRICS,
    brier_score,
    confusion_metrics,
    expected_calibration_error,
    roc_auc,
)

__all__ = ["SCORE_AUDIT_METRICS", "MetricEngine"]

FloatArray = NDArray[np.float64]
SCORE_AUDIT_METRICS = ("roc_auc", "brier", "ece")


def _indicator(
    rows: NDArray[np.intp], cols: NDArray[np.intp], shape: tuple[int, int]
) -> sparse.csr_matrix:
    return sparse.csr_matrix((np.ones(rows.size), (rows, cols)), shape=shape)


class MetricEngine:
    """Maps a (B, cells) array of resampled cell weights to (B, groups, metrics) per view."""

    def __init__(self, layout: CellLayout, views: list[View]) -> None:
        self.layout = layout
        self.views = views
        self.metrics: tuple[str, ...] = (
            *CLASSIFICATION_METRICS,
            *(SCORE_AUDIT_METRICS if layout.has_score else ()),
        )
        cells = np.arange(layout.rows.size)
        g = layout.n_fine
        # All views' membership side by side: one product gives every view's groups.
        self._members = np.hstack([v.members.toarray() for v in views])
        self._splits = np.cumsum([v.size for v in views])[:-1]
        self._confusion = _indicator(cells, layout.fine * 4 + layout.confusion, (cells.size, g * 4))
        if layout.score_bin is not None and layout.calibration_bin is not None:
            nb, nc = layout.n_bins, layout.n_calibration_bins
            hist_col = (layout.fine * 2 + layout.label.astype(np.intp)) * nb + layout.score_bin
            self._hist = _indicator(cells, hist_col, (cells.size, g * 2 * nb))
            cal_col = layout.fine * nc + layout.calibration_bin
            self._calibration = _indicator(cells, cal_col, (cells.size, g * nc))
            self._fine = _indicator(cells, layout.fine, (cells.size, g))

    @property
    def width(self) -> int:
        return sum(v.size for v in self.views) * len(self.metrics)

    def _to_view(self, fine: FloatArray, members: FloatArray) -> FloatArray:
        """(B, G, X) per fine group -> (B, Gv, X) per view group."""
        out: FloatArray = np.einsum("bgx,gv->bvx", fine, members, optimize=True)
        return out

    def evaluate(self, counts: FloatArray) -> list[FloatArray]:
        """One (B, Gv, M) array per view."""
        b, g = counts.shape[0], self.layout.n_fine
        confusion = np.asarray(counts @ self._confusion).reshape(b, g, 4)
        extras: dict[str, FloatArray] = {}
        if self.layout.has_score:
            extras = self._score_sums(counts)
        columns = confusion_metrics(self._to_view(confusion, self._members))
        if self.layout.has_score:
            columns.update(self._score_metrics(extras, self._members))
        stacked = np.stack([columns[m] for m in self.metrics], axis=-1)
        return np.split(stacked, self._splits, axis=1)

    def flat(self, counts: FloatArray) -> FloatArray:
        """Every view's (B, Gv, M) flattened and concatenated: the bootstrap statistic."""
        parts = self.evaluate(np.atleast_2d(counts))
        return np.concatenate([p.reshape(p.shape[0], -1) for p in parts], axis=1)

    def unflatten(self, flat: FloatArray) -> list[FloatArray]:
        """Inverse of ``flat`` along the last axis: (..., K) -> per view (..., Gv, M)."""
        out, start, m = [], 0, len(self.metrics)
        for view in self.views:
            stop = start + view.size * m
            out.append(flat[..., start:stop].reshape(*flat.shape[:-1], view.size, m))
            start = stop
        return out

    def _score_sums(self, counts: FloatArray) -> dict[str, FloatArray]:
        lay = self.layout
        assert lay.brier_per_weight is not None
        assert lay.score_per_weight is not None
        b, g, nb, nc = counts.shape[0], lay.n_fine, lay.n_bins, lay.n_calibration_bins
        hist = np.asarray(counts @ self._hist).reshape(b, g, 2 * nb)
        return {
            "hist": hist,
            "brier": np.asarray((counts * lay.brier_per_weight) @ self._fine).reshape(b, g, 1),
            "weight": np.asarray(counts @ self._fine).reshape(b, g, 1),
            "cal_w": np.asarray(counts @ self._calibration).reshape(b, g, nc),
            "cal_s": np.asarray((counts * lay.score_per_weight) @ self._calibration).reshape(
                b, g, nc
            ),
            "cal_p": np.asarray((counts * lay.label) @ self._calibration).reshape(b, g, nc),
        }

    def _score_metrics(
        self, sums: dict[str, FloatArray], members: FloatArray
    ) -> dict[str, FloatArray]:
        nb = self.layout.n_bins
        hist = self._to_view(sums["hist"], members)
        weight = self._to_view(sums["weight"], members)[..., 0]
        cal_w, cal_s, cal_p = (self._to_view(sums[k], members) for k in ("cal_w", "cal_s", "cal_p"))
        return {
            "roc_auc": roc_auc(hist[..., nb:], hist[..., :nb]),
            "brier": brier_score(self._to_view(sums["brier"], members)[..., 0], weight),
            "ece": expected_calibration_error(cal_w, cal_s, cal_p, total=weight),
        }
