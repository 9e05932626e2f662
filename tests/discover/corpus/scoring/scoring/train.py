"""Train the credit-scoring models on last year's applications."""

from __future__ import annotations

import joblib
import lightgbm as lgb
import pandas as pd
import xgboost as xgb
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

FEATURES = ["income", "debt_ratio", "months_employed", "open_accounts"]


def train(applications: pd.DataFrame, out: str) -> dict[str, float]:
    X, y = applications[FEATURES], applications["defaulted"]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    baseline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    scores = cross_val_score(baseline, X_train, y_train, cv=5)  # expect: ml-training/scikit-learn
    baseline.fit(X_train, y_train)  # expect: ml-training/scikit-learn

    booster = xgb.train(  # expect: ml-training/xgboost
        {"objective": "binary:logistic", "max_depth": 4},
        xgb.DMatrix(X_train, label=y_train),
        num_boost_round=200,
    )
    gbm = lgb.LGBMClassifier(n_estimators=300, learning_rate=0.05)
    gbm.fit(X_train, y_train)  # expect: ml-training/lightgbm
    joblib.dump(baseline, f"{out}/baseline.joblib")
    booster.save_model(f"{out}/booster.json")
    return {
        "cv_accuracy": float(scores.mean()),
        "test_accuracy": float(baseline.score(X_test, y_test)),
        "gbm_auc_proxy": float(gbm.predict_proba(X_test)[:, 1].mean()),  # expect: ml-inference/lightgbm
    }
