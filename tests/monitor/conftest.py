"""Shared fixtures: a reference frame, its spec, and a week of prediction log (all simulated)."""

from __future__ import annotations

import pandas as pd
import pytest
from tests.monitor._stream import prediction_log

from ombud.monitor import MonitorSpec, fit_spec


@pytest.fixture(scope="session")
def reference() -> pd.DataFrame:
    return prediction_log(20_000, seed=1)


@pytest.fixture(scope="session")
def spec(reference: pd.DataFrame) -> MonitorSpec:
    return fit_spec(
        reference,
        timestamp="ts",
        features=["x1", "x2", "colour"],
        sensitive=["sex", "age"],
        prediction="pred",
        score="score",
        label="label",
        top_k=3,
    )


@pytest.fixture(scope="session")
def log() -> pd.DataFrame:
    return prediction_log(6_000, seed=2)
