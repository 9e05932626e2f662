"""Every audit metric for every group of every view, for many cell tables at once.

The stats layer computes metrics one Tally at a time, with pandas, which is the readable
reference. A bootstrap needs the same metrics on a thousand resampled tables, so this module
restates them as array algebra over a (replicates × cells) matrix: sparse sums to confusion
counts and score histograms per fine group, dense sums to each view's groups, then ratios.
It is written by hand because no library computes group metrics from resampled cell counts;
a test holds it equal to ``ombud.stats`` on the original table.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from ombud.fairness._layout import CellLayout, View
from ombud.stats import CLASSIFICATION_METRICS
from ombud.stats.metrics._classification import RATES

__all__ = ["SCORE_AUDIT_METRICS", "MetricEngine"]

FloatArray = NDArray[np.float64]
SCORE_AUDIT_METRICS = ("roc_auc", "brier", "ece")
_TP, _FP, _FN, _TN = range(4)
_INDEX = {"tp": _TP, "fp": _FP, "fn": _FN, "tn": _TN}


def _ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    out = np.full(np.broadcast_shapes(num.shape, den.shape), np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


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
        columns = self._rates(self._to_view(confusion, self._members))
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

    @staticmethod
    def _rates(conf: FloatArray) -> dict[str, FloatArray]:
        columns: dict[str, FloatArray] = {}
        for name, (num, den, _) in RATES.items():
            numerator = sum(conf[..., _INDEX[c]] for c in num)
            denominator = sum(conf[..., _INDEX[c]] for c in den)
            columns[name] = _ratio(np.asarray(numerator), np.asarray(denominator))
        tp, fp, fn = conf[..., _TP], conf[..., _FP], conf[..., _FN]
        columns["balanced_accuracy"] = (columns["tpr"] + columns["tnr"]) / 2
        columns["f1"] = _ratio(2 * tp, 2 * tp + fp + fn)
        return columns

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
        neg, pos = hist[..., :nb], hist[..., nb:]
        neg_below = np.cumsum(neg, axis=-1) - neg
        concordant = (pos * (neg_below + 0.5 * neg)).sum(axis=-1)
        auc = _ratio(concordant, pos.sum(axis=-1) * neg.sum(axis=-1))
        auc[(pos.sum(axis=-1) <= 0) | (neg.sum(axis=-1) <= 0)] = np.nan
        weight = self._to_view(sums["weight"], members)[..., 0]
        brier = _ratio(self._to_view(sums["brier"], members)[..., 0], weight)
        cal_w = self._to_view(sums["cal_w"], members)
        gap = np.abs(
            _ratio(self._to_view(sums["cal_s"], members), cal_w)
            - _ratio(self._to_view(sums["cal_p"], members), cal_w)
        )
        ece = _ratio(np.nansum(cal_w * np.where(cal_w > 0, gap, 0.0), axis=-1), weight)
        return {"roc_auc": auc, "brier": brier, "ece": ece}
