"""Turn an engine's raw GROUP BY result into a canonical Tally.

Every engine (DuckDB, Spark) groups on the *raw* label and prediction values and on a score bin
that is -1 / n_bins for out-of-range scores and NULL for missing ones. Validation, missing-value
handling and the mapping to 0/1 labels then happen here, once, on the small grouped result: the
checks cost nothing per row, and no engine can disagree with another about what counts as bad.
"""

from __future__ import annotations

import math

import pyarrow as pa
import pyarrow.compute as pc

from ombud.stats._errors import TallyError
from ombud.stats._spec import ClassificationSpec, RegressionSpec, Spec
from ombud.stats._tally import (
    LABEL,
    PREDICTION,
    REGRESSION_SUMS,
    ROW_COUNT,
    SCORE_BIN,
    SUM_SCORE,
    SUM_SCORE_SQ,
    WEIGHT,
    Tally,
    canonical_column,
    sum_cells,
)

BAD_WEIGHT = "_bad_weight"
MISSING = "_missing"


def finish(raw: pa.Table, spec: Spec, source: str) -> Tally:
    """Validate and canonicalize an engine's grouped result; ``source`` names it in errors."""
    bad = int(pc.sum(raw[BAD_WEIGHT]).as_py() or 0) if raw.num_rows else 0
    if bad:
        raise TallyError(
            f"{source}: weight column {spec.weight!r} has {bad} missing or negative value(s); "
            "fix or drop those rows"
        )
    if isinstance(spec, RegressionSpec):
        return _finish_regression(raw, spec, source)
    return _finish_classification(raw, spec, source)


def _canonical(raw: pa.Table, keys: list[str]) -> pa.Table:
    cols = {name: canonical_column(raw[name], key=name in keys) for name in raw.column_names}
    return pa.table(cols)


def _drop_missing(
    table: pa.Table, missing: pa.ChunkedArray, spec: Spec, source: str, what: str
) -> tuple[pa.Table, int, float]:
    missing = pc.fill_null(missing, True)
    rows = int(pc.sum(pc.if_else(missing, table[ROW_COUNT], 0)).as_py() or 0)
    if rows == 0:
        return table, 0, 0.0
    if spec.on_missing == "raise":
        raise TallyError(
            f"{source}: {rows} row(s) have a missing (NULL/NaN) {what}; "
            "pass on_missing='drop' to drop and count them"
        )
    weight = math.fsum(pc.filter(table[WEIGHT], missing).to_pylist())
    return table.filter(pc.invert(missing)), rows, weight


def _finish_regression(raw: pa.Table, spec: RegressionSpec, source: str) -> Tally:
    strata = [*spec.groups, *([spec.window] if spec.window else [])]
    table = _canonical(raw, strata)
    table, rows, weight = _drop_missing(
        table, table[MISSING], spec, source, f"outcome {spec.outcome!r} or prediction"
    )
    values = [ROW_COUNT, WEIGHT, *REGRESSION_SUMS]
    cells = sum_cells(table, strata, values)
    return Tally(
        cells=cells,
        kind="regression",
        group_columns=spec.groups,
        window_column=spec.window,
        dropped_rows=rows,
        dropped_weight=weight,
        provenance={"source": source},
    )


def _is_missing(col: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.is_null(col)


def _finish_classification(raw: pa.Table, spec: ClassificationSpec, source: str) -> Tally:
    strata = [*spec.groups, *([spec.window] if spec.window else [])]
    outcome = [
        LABEL,
        *([PREDICTION] if spec.prediction else []),
        *([SCORE_BIN] if spec.score else []),
    ]
    table = _canonical(raw, [*strata, LABEL, *([PREDICTION] if spec.prediction else [])])
    missing = _is_missing(table[LABEL])
    for name in outcome[1:]:
        missing = pc.or_(missing, _is_missing(table[name]))
    table, rows, weight = _drop_missing(table, missing, spec, source, "label, prediction or score")
    edges = spec.edges
    if edges is not None:
        n_bins = len(edges) - 1
        out = pc.or_(pc.less(table[SCORE_BIN], 0), pc.greater_equal(table[SCORE_BIN], n_bins))
        bad = int(pc.sum(pc.if_else(out, table[ROW_COUNT], 0)).as_py() or 0)
        if bad:
            raise TallyError(
                f"{source}: {bad} score(s) in column {spec.score!r} lie outside [0, 1]; "
                "pass probabilities (e.g. apply a sigmoid) or clip them"
            )
    if not spec.multiclass:
        table = table.set_column(
            table.column_names.index(LABEL), LABEL, _binary(table[LABEL], spec, spec.label, source)
        )
        if spec.prediction:
            idx = table.column_names.index(PREDICTION)
            table = table.set_column(
                idx, PREDICTION, _binary(table[PREDICTION], spec, spec.prediction, source)
            )
    elif spec.prediction and _incompatible(table[LABEL].type, table[PREDICTION].type):
        raise TallyError(
            f"{source}: label {spec.label!r} is {table[LABEL].type} but prediction "
            f"{spec.prediction!r} is {table[PREDICTION].type}; cast them to one type"
        )
    values = [ROW_COUNT, WEIGHT, *([SUM_SCORE, SUM_SCORE_SQ] if spec.score else [])]
    cells = sum_cells(table, [*strata, *outcome], values)
    return Tally(
        cells=cells,
        kind="classification",
        group_columns=spec.groups,
        window_column=spec.window,
        has_prediction=spec.prediction is not None,
        score_edges=edges,
        multiclass=spec.multiclass,
        dropped_rows=rows,
        dropped_weight=weight,
        provenance={"source": source},
    )


def _binary(col: pa.ChunkedArray, spec: ClassificationSpec, name: str, source: str) -> pa.Array:
    """Map a label or prediction column to int64 0/1, or say why it is not binary."""
    if spec.pos_label is not None:
        try:
            is_pos = pc.equal(col, pa.scalar(spec.pos_label))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
            raise TallyError(
                f"{source}: pos_label {spec.pos_label!r} cannot be compared with column "
                f"{name!r} of type {col.type}; pass a pos_label of that type"
            ) from exc
        return is_pos.cast(pa.int64())
    if pa.types.is_boolean(col.type) or pa.types.is_null(col.type):
        return col.cast(pa.int64())
    values = pc.unique(col).to_pylist()
    numeric = pa.types.is_integer(col.type) or pa.types.is_floating(col.type)
    if not numeric or any(v not in (0, 1) for v in values):
        shown = sorted(values, key=repr)[:6]
        raise TallyError(
            f"{source}: column {name!r} is not binary 0/1 (values include {shown}); "
            "pass pos_label=<positive value>, or multiclass=True"
        )
    return col.cast(pa.int64())


def _incompatible(a: pa.DataType, b: pa.DataType) -> bool:
    return a != b and not pa.types.is_null(a) and not pa.types.is_null(b)
