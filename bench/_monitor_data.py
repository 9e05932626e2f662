"""The simulated prediction log of the monitoring benchmarks (numpy + pandas only, so the
Evidently and NannyML comparisons can import it from their own environments)."""

from __future__ import annotations

import numpy as np
import pandas as pd

N_NUMERIC, N_CATEGORICAL = 15, 5
FEATURES = [f"num{j}" for j in range(N_NUMERIC)] + [f"cat{j}" for j in range(N_CATEGORICAL)]


def simulate(n: int, seed: int, start: str, days: int) -> pd.DataFrame:
    """``n`` rows spread uniformly over ``days`` days from ``start`` (UTC), seeded."""
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp(start, tz="UTC") + pd.to_timedelta(rng.uniform(0, days * 86400, n), "s")
    cols: dict[str, object] = {"ts": ts}
    lin = np.zeros(n)
    for j in range(N_NUMERIC):
        x = rng.normal(0, 1, n) if j % 2 else rng.gamma(2.0, 1.0, n)
        cols[f"num{j}"] = x
        lin += 0.1 * x
    for j in range(N_CATEGORICAL):
        cols[f"cat{j}"] = rng.choice([f"c{k}" for k in range(8)], size=n)
    cols["sex"] = rng.choice(["f", "m"], size=n)
    cols["race"] = rng.choice(["a", "b", "c", "d", "e"], p=[0.5, 0.2, 0.15, 0.1, 0.05], size=n)
    cols["age"] = rng.choice(["<25", "25-45", "45-65", "65+"], size=n)
    score = 1 / (1 + np.exp(-(lin - lin.mean())))
    cols["score"] = score
    cols["pred"] = (score >= 0.5).astype(np.int64)
    cols["label"] = (rng.uniform(size=n) < score).astype(np.int64)
    return pd.DataFrame(cols)
