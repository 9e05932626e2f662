"""The Tally: mergeable sufficient statistics of prediction data.

Every fairness metric of a classifier or regressor is a function of a few counts and sums per
cell of (group columns, time window, label, prediction or score bin). Holding those instead of
rows means a pass can run wherever the data lives, partial results merge by addition, and the
stored object is both the evidence an auditor recomputes from and free of individual rows.

The cells live in a pyarrow Table in a canonical form (fixed column types, sorted keys) so that
two Tallies built from the same data by different engines compare equal.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ombud.stats._errors import TallyError

Kind = Literal["classification", "regression"]

LABEL = "label"
PREDICTION = "prediction"
SCORE_BIN = "score_bin"
ROW_COUNT = "n"
WEIGHT = "weight"
SUM_SCORE = "sum_score"
SUM_SCORE_SQ = "sum_score_sq"
REGRESSION_SUMS = (
    "sum_y",
    "sum_pred",
    "sum_y_sq",
    "sum_pred_sq",
    "sum_y_pred",
    "sum_abs_residual",
    "sum_sq_residual",
)
RESERVED = frozenset(
    {LABEL, PREDICTION, SCORE_BIN, ROW_COUNT, WEIGHT, SUM_SCORE, SUM_SCORE_SQ, *REGRESSION_SUMS}
)


def uniform_edges(n_bins: int) -> tuple[float, ...]:
    """Equal-width score bin edges on [0, 1]."""
    if n_bins < 1:
        raise TallyError(f"score bins: n_bins must be at least 1, got {n_bins}")
    return tuple(float(x) for x in np.linspace(0.0, 1.0, n_bins + 1))


def uniform_step(edges: Sequence[float]) -> float | None:
    """The step if every inner edge is exactly ``k * step`` in doubles (then a bin is found by
    one multiplication and a one-step correction); None for custom edges."""
    n_bins = len(edges) - 1
    step = 1.0 / n_bins
    if all(edges[k] == k * step for k in range(n_bins)) and edges[-1] == 1.0:
        return step
    return None


def check_edges(edges: Sequence[float]) -> tuple[float, ...]:
    """Validate custom score bin edges: strictly increasing, from 0 to 1."""
    out = tuple(float(e) for e in edges)
    if len(out) < 2 or out[0] != 0.0 or out[-1] != 1.0:
        raise TallyError(f"score edges must run from 0.0 to 1.0, got {out[:2]}...{out[-2:]}")
    if any(b <= a for a, b in itertools.pairwise(out)):
        raise TallyError("score edges must be strictly increasing; sort and deduplicate them")
    return out


@dataclass(frozen=True)
class Tally:
    """Counts and sums per cell; see docs/stats.md for the cell layout.

    ``cells`` has the key columns (group columns, then the window column, then ``label``,
    ``prediction``, ``score_bin`` as present) followed by the value columns: ``n`` (rows, int64),
    ``weight`` (sum of sample weights) and, with scores, ``sum_score`` / ``sum_score_sq``
    (weighted); a regression Tally carries the weighted sums in ``REGRESSION_SUMS`` instead.
    """

    cells: pa.Table
    kind: Kind
    group_columns: tuple[str, ...]
    window_column: str | None = None
    has_prediction: bool = False
    score_edges: tuple[float, ...] | None = None
    multiclass: bool = False
    dropped_rows: int = 0
    dropped_weight: float = 0.0
    suppressed_cells: int = 0
    provenance: dict[str, str] = field(default_factory=dict, compare=False)

    # ----- layout -------------------------------------------------------------------------
    @property
    def has_score(self) -> bool:
        return self.score_edges is not None

    @property
    def n_bins(self) -> int:
        return 0 if self.score_edges is None else len(self.score_edges) - 1

    @property
    def outcome_keys(self) -> tuple[str, ...]:
        if self.kind == "regression":
            return ()
        keys = [LABEL]
        if self.has_prediction:
            keys.append(PREDICTION)
        if self.has_score:
            keys.append(SCORE_BIN)
        return tuple(keys)

    @property
    def strata_keys(self) -> tuple[str, ...]:
        window = (self.window_column,) if self.window_column else ()
        return (*self.group_columns, *window)

    @property
    def key_columns(self) -> tuple[str, ...]:
        return (*self.strata_keys, *self.outcome_keys)

    @property
    def value_columns(self) -> tuple[str, ...]:
        if self.kind == "regression":
            return (ROW_COUNT, WEIGHT, *REGRESSION_SUMS)
        if self.has_score:
            return (ROW_COUNT, WEIGHT, SUM_SCORE, SUM_SCORE_SQ)
        return (ROW_COUNT, WEIGHT)

    @property
    def n_rows(self) -> int:
        return int(pc.sum(self.cells[ROW_COUNT]).as_py() or 0)

    @property
    def total_weight(self) -> float:
        return float(pc.sum(self.cells[WEIGHT]).as_py() or 0.0)

    def __len__(self) -> int:
        return int(self.cells.num_rows)

    # ----- algebra ------------------------------------------------------------------------
    def empty_like(self) -> Tally:
        """The identity of ``merge`` for Tallies of this layout."""
        return replace(
            self,
            cells=self.cells.slice(0, 0),
            dropped_rows=0,
            dropped_weight=0.0,
            suppressed_cells=0,
        )

    def __add__(self, other: object) -> Tally:
        if not isinstance(other, Tally):
            return NotImplemented
        return merge([self, other])

    def marginalize(self, keep: Iterable[str]) -> Tally:
        """Roll up to a subset of the group columns (sum over the others)."""
        kept = tuple(keep)
        unknown = [c for c in kept if c not in self.group_columns]
        if unknown:
            raise TallyError(
                f"cannot keep {unknown}: not group columns of this Tally {list(self.group_columns)}"
            )
        ordered = tuple(c for c in self.group_columns if c in kept)
        shape = replace(self, group_columns=ordered)
        cells = sum_cells(self.cells, shape.key_columns, self.value_columns)
        return replace(shape, cells=cells)

    def equals(self, other: Tally, *, rtol: float = 0.0) -> bool:
        """Same layout, same keys and counts; float sums equal within ``rtol`` (0: exactly)."""
        if self != replace(other, cells=self.cells):
            return False
        a, b = self.cells, other.cells
        if a.column_names != b.column_names or a.num_rows != b.num_rows:
            return False
        for name in a.column_names:
            x, y = a[name], b[name]
            if pa.types.is_floating(x.type) and name not in self.key_columns:
                xa = x.to_numpy(zero_copy_only=False)
                ya = y.to_numpy(zero_copy_only=False)
                if not np.allclose(xa, ya, rtol=rtol, atol=0.0, equal_nan=True):
                    return False
            elif not x.equals(y):
                return False
        return True


def _canonical_type(t: pa.DataType) -> pa.DataType:
    if pa.types.is_dictionary(t):
        return _canonical_type(t.value_type)
    if pa.types.is_integer(t):
        return pa.int64()
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return pa.float64()
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return pa.string()
    if pa.types.is_date(t):
        return pa.date32()
    if pa.types.is_timestamp(t):
        return pa.timestamp("us", tz=t.tz)
    if pa.types.is_boolean(t) or pa.types.is_null(t):
        return t
    raise TallyError(f"unsupported column type {t} for a Tally key; cast it to text or a number")


def canonical_column(col: pa.ChunkedArray | pa.Array, *, key: bool) -> pa.ChunkedArray:
    """Cast to the canonical type; NaN in a float key becomes null (one kind of missing)."""
    arr = col if isinstance(col, pa.ChunkedArray) else pa.chunked_array([col])
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    target = _canonical_type(arr.type)
    if arr.type != target:
        arr = arr.cast(target)
    if key and pa.types.is_floating(target):
        arr = pc.if_else(pc.is_nan(arr), pa.scalar(None, target), arr)
    return arr


def sort_cells(cells: pa.Table, keys: Sequence[str]) -> pa.Table:
    if not keys or cells.num_rows == 0:
        return cells.combine_chunks()
    order = [(k, "ascending", "at_end") for k in keys]
    return cells.sort_by(order).combine_chunks()


def sum_cells(cells: pa.Table, keys: Sequence[str], values: Sequence[str]) -> pa.Table:
    """Group by ``keys`` and sum ``values``, keeping the canonical column order and sort."""
    if cells.num_rows == 0:
        return cells.select([*keys, *values])
    if keys:
        grouped = cells.group_by(list(keys), use_threads=False).aggregate(
            [(v, "sum") for v in values]
        )
        out = pa.table(
            {**{k: grouped[k] for k in keys}, **{v: grouped[f"{v}_sum"] for v in values}}
        )
    else:
        out = pa.table({v: [pc.sum(cells[v]).as_py()] for v in values})
        out = out.cast(cells.select(list(values)).schema)
    return sort_cells(out, keys)


def merge(tallies: Iterable[Tally]) -> Tally:
    """Sum of Tallies with the same layout (associative, commutative; ``empty_like`` is 0)."""
    items = list(tallies)
    if not items:
        raise TallyError("merge needs at least one Tally (use tally.empty_like() for a zero)")
    first = items[0]
    for other in items[1:]:
        _check_compatible(first, other)
    tables = [t.cells for t in items]
    cells = pa.concat_tables(tables, promote_options="permissive")
    merged = sum_cells(cells, first.key_columns, first.value_columns)
    return replace(
        first,
        cells=merged,
        dropped_rows=sum(t.dropped_rows for t in items),
        dropped_weight=math.fsum(t.dropped_weight for t in items),
        suppressed_cells=sum(t.suppressed_cells for t in items),
    )


def _check_compatible(a: Tally, b: Tally) -> None:
    fields = (
        "kind",
        "group_columns",
        "window_column",
        "has_prediction",
        "score_edges",
        "multiclass",
    )
    for name in fields:
        va: Any = getattr(a, name)
        vb: Any = getattr(b, name)
        if va != vb:
            raise TallyError(f"cannot merge Tallies with different {name}: {va!r} vs {vb!r}")
