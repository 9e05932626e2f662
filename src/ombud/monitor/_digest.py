"""A digest of a multiset of rows that merges by addition.

Each row gets four independent 64-bit hashes (pandas' vectorised SipHash of the row's values,
under four fixed keys); a window's digest is their sum modulo 2**64, per lane. Addition is
commutative and associative, so the digest does not depend on row order, and the digest of a
merged window equals the digest of all its rows: that is what lets storage recognise a re-ingest
of the same rows (idempotence) and a roll-up be checked against a re-read.

This is an additive multiset hash (Clarke et al., 2003) without a secret key: it detects
accidental double counting and corruption, not a forger who crafts rows to collide.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

_KEYS = ("ombud-monitor-00", "ombud-monitor-01", "ombud-monitor-02", "ombud-monitor-03")
PREFIX = "madd4x64:"
EMPTY = PREFIX + "0" * 64


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """(rows, 4) uint64 lane hashes of each row of ``frame`` (column order matters)."""
    lanes = [
        pd.util.hash_pandas_object(frame, index=False, hash_key=key).to_numpy(dtype=np.uint64)
        for key in _KEYS
    ]
    return np.stack(lanes, axis=1)


def window_digests(hashes: np.ndarray, window: np.ndarray, n_windows: int) -> list[str]:
    """Sum the lane hashes of the rows of each window (mod 2**64; numpy uint64 wraps)."""
    sums = np.zeros((n_windows, 4), dtype=np.uint64)
    np.add.at(sums, window, hashes)
    return [_encode(row) for row in sums]


def combine_digests(digests: Iterable[str]) -> str:
    total = np.zeros(4, dtype=np.uint64)
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
