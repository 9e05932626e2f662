"""A digest of a multiset of rows that merges by addition, computable in any engine.

Each row gets four independent 64-bit lane hashes; a window's digest is their sum modulo
2**64, per lane. Addition is commutative and associative, so the digest does not depend on row
order, and the digest of a merged window equals the digest of all its rows: that is what lets
storage recognise a re-ingest of the same rows (idempotence) and a roll-up be checked against a
re-read.

A row's hash depends on its *values*, not on the container they came in: every value is first
reduced to a 64-bit code (numbers and booleans: the IEEE bits of the float64 value; text and
other values: a keyed SipHash of their text; missing of any kind: one fixed code; the
timestamp: UTC nanoseconds since the epoch), and the codes are chained through the SplitMix64
finaliser under one seed per lane. So an integer column read from CSV and the same column read
from Parquet with a null elsewhere (pandas makes it float) give the same digest, and a SQL
engine can compute the very same per-row hashes chunk by chunk (``chunk_lanes``) and add them up
in a GROUP BY: the pandas, DuckDB and Spark ingests agree to the bit.

This is an additive multiset hash (Clarke et al., 2003) without a secret key: it detects
accidental double counting and corruption, not a forger who crafts rows to collide.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_TEXT_KEY = "ombud-monitor-tx"
_SEEDS = (
    np.uint64(0x6F6D627564303030),
    np.uint64(0x6F6D627564303031),
    np.uint64(0x6F6D627564303032),
    np.uint64(0x6F6D627564303033),
)
_MISSING = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_MASK32 = np.uint64(0xFFFFFFFF)
PREFIX = "vsum4x64:"
EMPTY = PREFIX + "0" * 64
LANES = 4


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser (Steele, Lea & Flood 2014); numpy uint64 arithmetic wraps."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    out: np.ndarray = z ^ (z >> np.uint64(31))
    return out


def _float_bits(x: np.ndarray) -> np.ndarray:
    """IEEE bits of float64 values; -0.0 becomes 0.0 and every NaN the missing code."""
    x = np.asarray(x, dtype=np.float64) + 0.0
    bits = x.view(np.uint64).copy()
    bits[np.isnan(x)] = _MISSING
    return bits


def _scalar_code(value: Any) -> np.uint64 | str:
    """A number's bits, or the text that will be hashed for any other value."""
    if isinstance(value, bool | np.bool_ | int | float | np.integer | np.floating):
        return np.uint64(_float_bits(np.array([float(value)]))[0])
    return str(value)


def value_codes(values: pd.Series) -> np.ndarray:
    """One 64-bit code per value (see the module docstring), whatever the dtype."""
    if pd.api.types.is_bool_dtype(values) or (
        pd.api.types.is_numeric_dtype(values) and not isinstance(values.dtype, pd.CategoricalDtype)
    ):
        return _float_bits(values.to_numpy(dtype=np.float64, na_value=np.nan))
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=np.uint64)
    table[-1] = _MISSING
    texts: list[str] = []
    text_at: list[int] = []
    for i, u in enumerate(uniques):
        code = _scalar_code(u)
        if isinstance(code, str):
            texts.append(code)
            text_at.append(i)
        else:
            table[i] = code
    if texts:
        table[np.array(text_at, dtype=np.int64)] = _text_codes(texts)
    return table[np.asarray(codes, dtype=np.int64)]


def _text_codes(texts: list[str]) -> np.ndarray:
    if not texts:
        return np.empty(0, dtype=np.uint64)
    out: np.ndarray = pd.util.hash_array(
        np.array(texts, dtype=object), hash_key=_TEXT_KEY, categorize=False
    )
    return out


def arrow_codes(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """``value_codes`` of an Arrow column, without building Python objects per row.

    What a SQL engine's UDF receives, a chunk at a time: numbers and booleans go through
    float64, text through its dictionary (each distinct text hashed once), so the codes
    equal ``value_codes`` of the same values in a pandas column. Other types (dates,
    decimals) fall back to pandas.
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    t = values.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t):
        x = pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)
        return _float_bits(x)
    if _is_text(t):
        values = pc.dictionary_encode(values)
        t = values.type
    if pa.types.is_dictionary(t):
        words = values.dictionary
        if _is_text(words.type):
            table = _text_codes([str(v) for v in words.to_pylist()])
        else:
            table = arrow_codes(words)
        index = pc.fill_null(values.indices, -1).to_numpy(zero_copy_only=False)
        return np.append(table, _MISSING)[np.asarray(index, dtype=np.int64)]
    return value_codes(pd.Series(values.to_pandas()))


def _is_text(t: pa.DataType) -> bool:
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t))


def _chain(codes: Sequence[np.ndarray]) -> np.ndarray:
    """(rows, 4): every lane's seed, mixed with each code in turn (lanes vectorised)."""
    h = np.repeat(np.array(_SEEDS, dtype=np.uint64)[:, None], len(codes[0]), axis=1)
    for c in codes:
        h = _mix(h ^ c[None, :])
    return np.ascontiguousarray(h.T)


def row_lanes(ts_ns: np.ndarray, columns: Sequence[pd.Series]) -> np.ndarray:
    """(rows, 4) uint64 lane hashes: the UTC timestamp in ns, then each column in order."""
    codes = [np.asarray(ts_ns, dtype=np.int64).view(np.uint64)]
    return _chain(codes + [value_codes(c) for c in columns])


def arrow_lanes(ts_ns: np.ndarray, columns: Sequence[pa.Array | pa.ChunkedArray]) -> np.ndarray:
    """``row_lanes`` of Arrow columns (equal for equal values; see ``arrow_codes``)."""
    codes = [np.asarray(ts_ns, dtype=np.int64).view(np.uint64)]
    return _chain(codes + [arrow_codes(c) for c in columns])


def split_lanes(lanes: np.ndarray) -> np.ndarray:
    """(rows, 8) int64: each lane as its high and low 32 bits, so any engine can sum them in
    a signed 64-bit integer without overflow (up to 2**31 rows per window)."""
    hi = (lanes >> np.uint64(32)).astype(np.int64)
    lo = (lanes & _MASK32).astype(np.int64)
    return np.stack([hi, lo], axis=2).reshape(len(lanes), 2 * LANES)


def from_halves(sums: Sequence[int]) -> str:
    """The digest from per-lane sums of high and low halves (hi0, lo0, hi1, lo1, ...)."""
    lanes = [((int(sums[2 * i]) << 32) + int(sums[2 * i + 1])) % 2**64 for i in range(LANES)]
    return PREFIX + "".join(f"{v:016x}" for v in lanes)


def window_digests(hashes: np.ndarray, window: np.ndarray, n_windows: int) -> list[str]:
    """Sum the lane hashes of the rows of each window (mod 2**64; numpy uint64 wraps)."""
    sums = np.zeros((n_windows, LANES), dtype=np.uint64)
    np.add.at(sums, window, hashes)
    return [_encode(row) for row in sums]


def combine_digests(digests: Iterable[str]) -> str:
    total = np.zeros(LANES, dtype=np.uint64)
    for d in digests:
        total += _decode(d)
    return _encode(total)


def _encode(lanes: np.ndarray) -> str:
    return PREFIX + "".join(f"{int(v):016x}" for v in lanes)


def _decode(digest: str) -> np.ndarray:
    if not digest.startswith(PREFIX) or len(digest) != len(EMPTY):
        raise ValueError(f"not a row digest: {digest[:24]!r}")
    body = digest[len(PREFIX) :]
    return np.array([int(body[i : i + 16], 16) for i in range(0, 64, 16)], dtype=np.uint64)
