"""Windows: the immutable, mergeable summary of one period of a prediction log.

A window holds two Tallies of the stats core (every row's outputs; the labelled rows' outcomes)
and one summary per feature. All of it merges by addition, so a week is the merge of its days
and a year report never re-reads a row. ``rows_digest`` identifies the multiset of rows that
built the window and merges the same way (see ``_digest``), so a roll-up's digest is that of
all its rows, and re-ingesting identical rows is recognisable.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from ombud.monitor._digest import EMPTY, combine_digests
from ombud.monitor._errors import WindowMismatchError
from ombud.monitor._features import CategoricalSummary, NumericSummary, Summary, empty_summary
from ombud.monitor._periods import check_period, period_end
from ombud.monitor._spec import MonitorSpec, NumericFeature
from ombud.stats import Tally, from_json, merge, to_json

FORMAT = "ombud.monitor_window"
VERSION = 1


@dataclass(frozen=True)
class Window:
    """Summary of the rows with ``start <= timestamp < end`` (UTC), keyed by ``start``.

    ``outputs`` counts every row by (sensitive groups, prediction, score bin); its label column is
    a constant 0 placeholder, so only label-free metrics (selection rate, score histogram) are
    meaningful on it. ``labelled`` is the ordinary fairness Tally of the rows whose label is
    known. Either is None when the window has no such row.
    """

    spec_digest: str
    period: str
    start: datetime
    end: datetime
    n_rows: int
    n_labelled: int
    outputs: Tally | None
    labelled: Tally | None
    features: tuple[Summary, ...]
    rows_digest: str

    @property
    def key(self) -> str:
        """Storage key: the UTC start of the period, ISO 8601."""
        return self.start.isoformat()

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "spec_digest": self.spec_digest,
            "period": self.period,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "n_rows": self.n_rows,
            "n_labelled": self.n_labelled,
            "outputs": None if self.outputs is None else json.loads(to_json(self.outputs)),
            "labelled": None if self.labelled is None else json.loads(to_json(self.labelled)),
            "features": [f.to_dict() for f in self.features],
            "rows_digest": self.rows_digest,
        }

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, no spaces): equal windows give equal text."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False)

    def to_bytes(self) -> bytes:
        return self.to_json().encode()

    @property
    def digest(self) -> str:
        """sha256 of the canonical JSON: the stable id of this window's content."""
        return hashlib.sha256(self.to_bytes()).hexdigest()

    @classmethod
    def empty(cls, spec: MonitorSpec, start: datetime) -> Window:
        """The window of a period without a single row (the zero of ``merge_windows``).

        Storage can record "monitored, nothing came in" for a day; every statistic on it is
        NaN with a reason, and merging it into a range changes nothing but the range's span.
        """
        begin = pd.Timestamp(start)
        begin = begin.tz_localize("UTC") if begin.tz is None else begin.tz_convert("UTC")
        period = check_period(spec.period)
        return cls(
            spec_digest=spec.digest,
            period=period,
            start=begin.to_pydatetime(),
            end=period_end(begin, period).to_pydatetime(),
            n_rows=0,
            n_labelled=0,
            outputs=None,
            labelled=None,
            features=tuple(empty_summary(f) for f in spec.features),
            rows_digest=EMPTY,
        )

    @classmethod
    def from_json(cls, text: str | bytes, spec: MonitorSpec) -> Window:
        """Read a window written by ``to_json``; ``spec`` says how to read its feature list."""
        try:
            return cls._from_doc(json.loads(text), spec)
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, WindowMismatchError):
                raise
            raise WindowMismatchError(f"malformed window JSON: {exc}") from exc

    @classmethod
    def _from_doc(cls, doc: dict[str, Any], spec: MonitorSpec) -> Window:
        if doc.get("format") != FORMAT or doc.get("version") != VERSION:
            raise WindowMismatchError(f"not an {FORMAT} v{VERSION} document")
        if doc["spec_digest"] != spec.digest:
            raise WindowMismatchError(
                f"window was built under spec {doc['spec_digest'][:12]}, not {spec.digest[:12]}"
            )
        feats: list[Summary] = []
        for feature, item in zip(spec.features, doc["features"], strict=True):
            if isinstance(feature, NumericFeature):
                feats.append(NumericSummary.from_dict(item))
            else:
                feats.append(CategoricalSummary.from_dict(item))
        return cls(
            spec_digest=doc["spec_digest"],
            period=doc["period"],
            start=datetime.fromisoformat(doc["start"]),
            end=datetime.fromisoformat(doc["end"]),
            n_rows=int(doc["n_rows"]),
            n_labelled=int(doc["n_labelled"]),
            outputs=_tally(doc["outputs"]),
            labelled=_tally(doc["labelled"]),
            features=tuple(feats),
            rows_digest=doc["rows_digest"],
        )

    def equals(self, other: Window, *, rtol: float = 1e-9) -> bool:
        """Same counts and keys; means, M2 and float sums equal within ``rtol``."""
        if (self.spec_digest, self.n_rows, self.n_labelled, self.rows_digest) != (
            other.spec_digest,
            other.n_rows,
            other.n_labelled,
            other.rows_digest,
        ):
            return False
        for a, b in ((self.outputs, other.outputs), (self.labelled, other.labelled)):
            if (a is None) != (b is None):
                return False
            if a is not None and b is not None and not a.equals(b, rtol=rtol):
                return False
        return all(
            _summary_close(a, b, rtol) for a, b in zip(self.features, other.features, strict=True)
        )


def _tally(doc: dict[str, Any] | None) -> Tally | None:
    return None if doc is None else from_json(json.dumps(doc))


def _summary_close(a: Summary, b: Summary, rtol: float) -> bool:
    if isinstance(a, CategoricalSummary) or isinstance(b, CategoricalSummary):
        return a == b
    if (a.counts, a.missing, a.n) != (b.counts, b.missing, b.n):
        return False
    floats = [(a.mean, b.mean), (a.min, b.min), (a.max, b.max)]
    scale = max(abs(a.mean), abs(b.mean), 1.0) if not math.isnan(a.mean) else 1.0
    m2_ok = bool(np.isclose(a.m2, b.m2, rtol=rtol, atol=rtol * scale * scale * max(a.n, 1)))
    return m2_ok and all(
        bool(np.isclose(x, y, rtol=rtol, atol=rtol * scale, equal_nan=True)) for x, y in floats
    )


def _merge_tallies(items: Iterable[Tally | None]) -> Tally | None:
    present = [t for t in items if t is not None]
    return merge(present) if present else None


def merge_windows(windows: Iterable[Window], *, period: str | None = None) -> Window:
    """Roll windows up (days into a week, a month, any range): every summary adds up.

    The windows must come from one spec and must not overlap in time (that would count rows
    twice). The result spans min(start) to max(end); ``period`` names it (default ``"range"``,
    or the common period when a single window is given).
    """
    items = sorted(windows, key=lambda w: w.start)
    if not items:
        raise WindowMismatchError("merge_windows needs at least one window")
    first = items[0]
    for prev, nxt in itertools.pairwise(items):
        if nxt.spec_digest != first.spec_digest:
            raise WindowMismatchError(
                f"window {nxt.key} was built under another spec; rebuild it or merge separately"
            )
        if nxt.start < prev.end:
            raise WindowMismatchError(
                f"windows {prev.key} and {nxt.key} overlap; merging would count rows twice"
            )
    name = period or (first.period if len(items) == 1 else "range")
    return _sum(items, first.start, max(w.end for w in items), name)


def amend(window: Window, late: Window) -> Window:
    """Add a late batch of rows to a window of the same period (e.g. rows that arrived after
    the day was closed). The two must hold different rows: storage decides that from the
    row digests (a batch whose rows were already counted must not be amended in twice)."""
    if (late.spec_digest, late.start, late.end) != (window.spec_digest, window.start, window.end):
        raise WindowMismatchError(
            f"cannot amend window {window.key} with {late.key}: same spec and period needed"
        )
    return _sum([window, late], window.start, window.end, window.period)


def _sum(items: list[Window], start: datetime, end: datetime, period: str) -> Window:
    features = list(items[0].features)
    for w in items[1:]:
        features = [a.merge(b) for a, b in zip(features, w.features, strict=True)]  # type: ignore[arg-type]
    return Window(
        spec_digest=items[0].spec_digest,
        period=period,
        start=start,
        end=end,
        n_rows=sum(w.n_rows for w in items),
        n_labelled=sum(w.n_labelled for w in items),
        outputs=_merge_tallies(w.outputs for w in items),
        labelled=_merge_tallies(w.labelled for w in items),
        features=tuple(features),
        rows_digest=combine_digests(w.rows_digest for w in items),
    )


def roll_up(windows: Iterable[Window], period: str) -> list[Window]:
    """Group windows into coarser periods (``week`` or ``month``) and merge each group."""
    groups: dict[pd.Timestamp, list[Window]] = {}
    for w in windows:
        ts = pd.Timestamp(w.start)
        if period == "week":
            day = ts.floor("D")
            key = day - pd.Timedelta(days=day.weekday())
        elif period == "month":
            key = ts.floor("D").replace(day=1)
        elif period == "day":
            key = ts.floor("D")
        else:
            raise WindowMismatchError(f"cannot roll up to {period!r}; use day, week or month")
        groups.setdefault(key, []).append(w)
    return [merge_windows(ws, period=period) for _, ws in sorted(groups.items())]
