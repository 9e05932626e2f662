"""Fixtures of the explain tests: real data (Boston HMDA, Adult) and models fitted on it.

The models are small so the whole directory runs in well under a minute on two cores.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from ombud.datasets import load

HMDA_FEATURES = [
    "pirat",
    "hirat",
    "lvrat",
    "chist",
    "mhist",
    "phist",
    "unemp",
    "selfemp",
    "insurance",
    "condomin",
    "single",
    "hschool",
    "afam",
]


@pytest.fixture(scope="session")
def hmda() -> tuple[pd.DataFrame, pd.Series]:
    """Boston HMDA (2,380 mortgage applications): features as floats and the denial label."""
    frame = load("hmda").frame
    X = frame[HMDA_FEATURES].astype(np.float64).reset_index(drop=True)
    y = frame["deny"].astype(int).reset_index(drop=True)
    return X, y


@pytest.fixture(scope="session")
def hmda_gb(hmda: tuple[pd.DataFrame, pd.Series]) -> GradientBoostingClassifier:
    X, y = hmda
    return GradientBoostingClassifier(n_estimators=40, max_depth=3, random_state=0).fit(X, y)


@pytest.fixture(scope="session")
def hmda_logit(hmda: tuple[pd.DataFrame, pd.Series]) -> LogisticRegression:
    X, y = hmda
    return LogisticRegression(max_iter=2000).fit(X, y)


@pytest.fixture(scope="session")
def adult() -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Adult (census income): numeric features, income > 50K label, and sex as the group."""
    frame = load("adult").frame.sample(n=4000, random_state=0).reset_index(drop=True)
    numeric = ["age", "education-num", "capital-gain", "capital-loss", "hours-per-week"]
    X = frame[numeric].astype(np.float64)
    X["married"] = (frame["marital-status"].astype(str) == "Married-civ-spouse").astype(float)
    y = (frame["income"].astype(str).str.startswith(">")).astype(int)
    return X, y, frame["sex"].astype(str)


@pytest.fixture(scope="session")
def adult_xgb(adult: tuple[pd.DataFrame, pd.Series, pd.Series]) -> object:
    """XGBoost (binary:logistic, 30 trees of depth 3) fitted on the Adult fixture."""
    import xgboost

    X, y, _ = adult
    model = xgboost.XGBClassifier(n_estimators=30, max_depth=3, learning_rate=0.3, n_jobs=1)
    return model.fit(X, y)


@pytest.fixture(scope="session")
def adult_lgbm(adult: tuple[pd.DataFrame, pd.Series, pd.Series]) -> object:
    """LightGBM (binary, 30 trees of 8 leaves) fitted on the Adult fixture."""
    import lightgbm

    X, y, _ = adult
    model = lightgbm.LGBMClassifier(
        n_estimators=30, num_leaves=8, n_jobs=1, verbose=-1, random_state=0
    )
    return model.fit(X, y)
