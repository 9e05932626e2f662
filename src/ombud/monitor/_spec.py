"""The monitor spec: what the columns of a prediction log mean, and what the reference taught.

Everything a window needs to be comparable with every other window is fixed here, once, from the
reference frame: histogram edges of numeric features, the top-k categories of categorical ones,
the score bins, the reference group of each sensitive attribute and the calibration map used by
the label-free performance estimate. Windows built under one spec merge by addition; the spec is
a JSON document (``to_json``/``from_json``) with a stable digest so storage can key on it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ombud.monitor._errors import ColumnError, MonitorError
from ombud.monitor._periods import Period, check_period

FORMAT = "ombud.monitor_spec"
VERSION = 1
Scalar = bool | int | float | str


@dataclass(frozen=True)
class NumericFeature:
    """A numeric input: bins ``[edges[i], edges[i+1])`` plus underflow and overflow.

    The edges are reference quantiles; the last one sits just above the reference maximum so the
    maximum falls inside the last bin.
    """

    name: str
    edges: tuple[float, ...]

    @property
    def n_counts(self) -> int:
        """Underflow, the inner bins, overflow."""
        return len(self.edges) + 1


@dataclass(frozen=True)
class CategoricalFeature:
    """A categorical input: counts of the top-k reference categories, then ``other`` (seen in the
    reference but not in the top k) and ``unseen`` (never seen in the reference)."""

    name: str
    categories: tuple[str, ...]
    known: tuple[str, ...]

    @property
    def n_counts(self) -> int:
        return len(self.categories) + 2


Feature = NumericFeature | CategoricalFeature


@dataclass(frozen=True)
class MonitorSpec:
    """Columns, period and everything learned from the reference (see module docstring)."""

    timestamp: str
    features: tuple[Feature, ...] = ()
    sensitive: tuple[str, ...] = ()
    prediction: str | None = None
    score: str | None = None
    label: str | None = None
    period: Period = "day"
    score_edges: tuple[float, ...] | None = None
    pos_label: Scalar | None = None
    threshold: float | None = None
    reference_groups: tuple[tuple[str, Scalar], ...] = ()
    calibration: tuple[float, ...] | None = None
    record_id: str | None = None
    label_values: tuple[Scalar, ...] | None = None

    def __post_init__(self) -> None:
        check_period(self.period)
        if self.prediction is None and self.score is None:
            raise MonitorError("a monitor needs prediction= or score= (or both)")
        if self.prediction is None and self.threshold is None:
            raise MonitorError("score-only monitoring needs threshold= to say what is positive")
        names = [self.timestamp, *self.sensitive, *(f.name for f in self.features)]
        roles = [c for c in (self.prediction, self.score, self.label, self.record_id) if c]
        if self.record_id is not None and self.label is None:
            raise MonitorError(
                "an id column is for joining late labels; name the label column too (label=)"
            )
        if len(set(names + roles)) != len(names) + len(roles):
            raise MonitorError(f"columns must be distinct; got {names + roles}")

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the monitor reads, in a fixed order (also the order rows are hashed)."""
        roles = [c for c in (self.prediction, self.score, self.label) if c]
        return (self.timestamp, *roles, *self.sensitive, *self.feature_names)

    def reference_group(self, attribute: str) -> Scalar:
        for name, value in self.reference_groups:
            if name == attribute:
                return value
        raise MonitorError(f"{attribute!r} is not a sensitive attribute of this monitor")

    def to_dict(self) -> dict[str, Any]:
        """The spec as JSON-ready values; the late-label keys appear only when an id column is
        declared, so the digest of every spec written before them is unchanged."""
        feats: list[dict[str, Any]] = []
        for f in self.features:
            if isinstance(f, NumericFeature):
                feats.append({"name": f.name, "kind": "numeric", "edges": list(f.edges)})
            else:
                feats.append(
                    {
                        "name": f.name,
                        "kind": "categorical",
                        "categories": list(f.categories),
                        "known": list(f.known),
                    }
                )
        doc: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "timestamp": self.timestamp,
            "features": feats,
            "sensitive": list(self.sensitive),
            "prediction": self.prediction,
            "score": self.score,
            "label": self.label,
            "period": self.period,
            "score_edges": None if self.score_edges is None else list(self.score_edges),
            "pos_label": self.pos_label,
            "threshold": self.threshold,
            "reference_groups": [[a, v] for a, v in self.reference_groups],
            "calibration": None if self.calibration is None else list(self.calibration),
        }
        if self.record_id is not None:
            doc["record_id"] = self.record_id
            doc["label_values"] = None if self.label_values is None else list(self.label_values)
        return doc

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.to_json().encode()).hexdigest()

    @classmethod
    def from_json(cls, text: str) -> MonitorSpec:
        try:
            doc = json.loads(text)
            if doc.get("format") != FORMAT or doc.get("version") != VERSION:
                raise MonitorError(f"not an {FORMAT} v{VERSION} document")
            feats: list[Feature] = []
            for f in doc["features"]:
                if f["kind"] == "numeric":
                    feats.append(NumericFeature(f["name"], tuple(float(e) for e in f["edges"])))
                else:
                    feats.append(
                        CategoricalFeature(f["name"], tuple(f["categories"]), tuple(f["known"]))
                    )
            edges = doc["score_edges"]
            calib = doc["calibration"]
            values = doc.get("label_values")
            return cls(
                timestamp=doc["timestamp"],
                features=tuple(feats),
                sensitive=tuple(doc["sensitive"]),
                prediction=doc["prediction"],
                score=doc["score"],
                label=doc["label"],
                period=check_period(doc["period"]),
                score_edges=None if edges is None else tuple(float(e) for e in edges),
                pos_label=doc["pos_label"],
                threshold=doc["threshold"],
                reference_groups=tuple((str(a), v) for a, v in doc["reference_groups"]),
                calibration=None if calib is None else tuple(float(c) for c in calib),
                record_id=doc.get("record_id"),
                label_values=None if values is None else tuple(values),
            )
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise MonitorError(f"malformed monitor spec JSON: {exc}") from exc


def _require(frame: pd.DataFrame, column: str, role: str) -> pd.Series:
    if column not in frame.columns:
        shown = ", ".join(map(str, list(frame.columns)[:30]))
        raise ColumnError(f"reference: {role} column {column!r} is absent; it has: {shown}")
    return frame[column]


def numeric_edges(values: pd.Series, bins: int, name: str) -> tuple[float, ...]:
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        raise ColumnError(
            f"reference: feature {name!r} is all missing; it cannot give histogram edges, drop it"
        )
    qs = np.unique(np.quantile(x, np.linspace(0.0, 1.0, bins + 1)))
    top = float(np.nextafter(qs[-1], np.inf))
    return (*(float(q) for q in qs[:-1]), top) if qs.size > 1 else (float(qs[0]), top)


def _categories(values: pd.Series, top_k: int, name: str) -> CategoricalFeature:
    present = values.dropna()
    if present.empty:
        raise ColumnError(f"reference: feature {name!r} is all missing; drop it from features")
    counts = present.astype(str).value_counts(sort=False)
    order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return CategoricalFeature(
        name=name,
        categories=tuple(str(k) for k, _ in order[:top_k]),
        known=tuple(sorted(str(k) for k in counts.index)),
    )


def score_bins(scores: np.ndarray, edges: Sequence[float]) -> np.ndarray:
    """Bin index with the Tally's rule: ``searchsorted(edges, s, 'right') - 1``, 1.0 in the last."""
    idx = np.searchsorted(np.asarray(edges), scores, side="right") - 1
    return np.clip(idx, 0, len(edges) - 2)


def _calibration(
    scores: pd.Series, labels: pd.Series, edges: tuple[float, ...], pos_label: Scalar | None
) -> tuple[float, ...]:
    """P(label = 1 | score bin), fitted by weighted isotonic regression over the bins."""
    from sklearn.isotonic import IsotonicRegression

    s = pd.to_numeric(scores, errors="coerce").to_numpy(dtype=float)
    y = (labels == pos_label) if pos_label is not None else labels.astype(float) == 1.0
    keep = np.isfinite(s) & labels.notna().to_numpy()
    bins = score_bins(s[keep], edges)
    n_bins = len(edges) - 1
    n = np.bincount(bins, minlength=n_bins).astype(float)
    pos = np.bincount(bins, weights=y.to_numpy()[keep].astype(float), minlength=n_bins)
    mids = (np.asarray(edges[:-1]) + np.asarray(edges[1:])) / 2
    seen = n > 0
    if seen.sum() < 2:
        raise MonitorError("reference: scores fall in fewer than 2 bins; cannot fit calibration")
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    iso.fit(mids[seen], pos[seen] / n[seen], sample_weight=n[seen])
    return tuple(float(v) for v in iso.predict(mids))


def fit_spec(
    reference: pd.DataFrame,
    *,
    timestamp: str,
    features: Sequence[str] = (),
    sensitive: Sequence[str] = (),
    prediction: str | None = None,
    score: str | None = None,
    label: str | None = None,
    period: str = "day",
    categorical: Sequence[str] = (),
    numeric_bins: int = 10,
    top_k: int = 20,
    score_bins_count: int = 20,
    pos_label: Scalar | None = None,
    threshold: float | None = None,
    record_id: str | None = None,
) -> MonitorSpec:
    """Learn a spec from the reference frame (the data the model was validated on).

    ``record_id`` names the column that identifies a prediction in the logs (the reference
    need not have it): with it, ingest keeps an index by which labels arriving later are
    joined (``ombud.monitor.label_window``), and the label values seen in the reference
    become the label set those late labels must come from.
    """
    for col, role in [(timestamp, "timestamp"), *((s, "sensitive") for s in sensitive)]:
        _require(reference, col, role)
    feats: list[Feature] = []
    for name in features:
        values = _require(reference, name, "feature")
        is_numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(
            values
        )
        if is_numeric and name not in categorical:
            feats.append(NumericFeature(name, numeric_edges(values, numeric_bins, name)))
        else:
            feats.append(_categories(values, top_k, name))
    edges = None
    calibration = None
    if score is not None:
        _require(reference, score, "score")
        edges = tuple(float(e) for e in np.linspace(0.0, 1.0, score_bins_count + 1))
        if label is not None:
            calibration = _calibration(
                reference[score], _require(reference, label, "label"), edges, pos_label
            )
    ref_groups: list[tuple[str, Scalar]] = []
    for attr in sensitive:
        counts = reference[attr].dropna().value_counts()
        if counts.empty:
            raise ColumnError(f"reference: sensitive attribute {attr!r} is all missing")
        top = counts.index[0]
        ref_groups.append((attr, top.item() if isinstance(top, np.generic) else top))
    label_values = None
    if record_id is not None and label is not None:
        seen = _require(reference, label, "label").dropna().unique().tolist()
        label_values = (
            tuple(sorted((v.item() if isinstance(v, np.generic) else v for v in seen), key=repr))
            or None
        )
    return MonitorSpec(
        timestamp=timestamp,
        features=tuple(feats),
        sensitive=tuple(sensitive),
        prediction=prediction,
        score=score,
        label=label,
        period=check_period(period),
        score_edges=edges,
        pos_label=pos_label,
        threshold=threshold,
        reference_groups=tuple(ref_groups),
        calibration=calibration,
        record_id=record_id,
        label_values=label_values,
    )
