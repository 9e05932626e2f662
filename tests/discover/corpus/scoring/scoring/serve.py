"""Score one application with the model the training job stored."""

from __future__ import annotations

import joblib
import pandas as pd

_model = joblib.load("models/baseline.joblib")


def score(application: dict[str, float]) -> float:
    frame = pd.DataFrame([application])
    return float(_model.predict_proba(frame)[0, 1])  # expect: ml-inference/joblib


def explain_columns(frame: pd.DataFrame) -> list[str]:
    # _model.predict(frame) was too slow here; columns come from the frame.
    return list(frame.columns)
