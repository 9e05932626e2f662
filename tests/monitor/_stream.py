"""A seeded synthetic prediction log for the monitor tests (simulated, never presented as real)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def prediction_log(
    n: int,
    *,
    seed: int,
    start: str = "2024-01-01",
    days: int = 7,
    shift: float = 0.0,
    tz: str | None = "UTC",
) -> pd.DataFrame:
    """Rows spread over ``days`` days: two sensitive attributes, 2 numeric + 1 categorical
    feature, a calibrated score (P(y=1 | score) = score), a 0/1 prediction at 0.5, a label."""
    rng = np.random.default_rng(seed)
    base = pd.Timestamp(start, tz=tz)
    offsets = pd.to_timedelta(rng.uniform(0, days * 86400, n), unit="s")
    x1 = rng.normal(shift, 1.0, n)
    x2 = rng.exponential(2.0, n)
    colour = rng.choice(["red", "green", "blue", "teal"], p=[0.5, 0.3, 0.15, 0.05], size=n)
    sex = rng.choice(["f", "m"], size=n)
    age = rng.choice(["young", "old", "mid"], size=n)
    score = 1.0 / (1.0 + np.exp(-(0.8 * x1 - 0.2 * x2 + 0.3)))
    label = (rng.uniform(size=n) < score).astype(np.int64)
    return pd.DataFrame(
        {
            "ts": base + offsets,
            "score": score,
            "pred": (score >= 0.5).astype(np.int64),
            "label": label,
            "sex": sex,
            "age": age,
            "x1": x1,
            "x2": x2,
            "colour": colour,
        }
    )
