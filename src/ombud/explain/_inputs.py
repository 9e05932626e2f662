"""Checking what an explainer is given, and calling the model the same way every time.

Every explainer needs the same three things settled before any work: the rows as a
numeric matrix whose columns are the model's features in the model's order, no missing
values (no explainer here can attribute a NaN), and one scalar model output per row
whose name says what is explained. Mistakes are reported by column and by model, in one
line, before a second is spent computing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import is_classifier, is_regressor

from ombud.explain._errors import ExplainInputError, UnsupportedModelError

__all__ = ["ModelOutput", "OutputKind", "model_output", "numeric_frame"]

FloatArray = NDArray[np.float64]
OutputKind = Literal["auto", "margin", "probability", "prediction"]


def _model_name(model: Any) -> str:
    return type(model).__name__


def model_features(model: Any) -> tuple[str, ...] | None:
    """The feature names the model was fitted with, when scikit-learn recorded them."""
    names = getattr(model, "feature_names_in_", None)
    return None if names is None else tuple(str(n) for n in names)


def numeric_frame(data: Any, model: Any, what: str) -> pd.DataFrame:
    """``data`` as a float DataFrame in the model's column order, or a one-line error.

    A DataFrame must hold every feature the model was fitted with (extra columns are
    refused, not silently dropped: an extra column usually means the wrong file). An array
    takes the model's feature names, or ``x0, x1, ...`` when the model recorded none.
    """
    name = _model_name(model)
    expected = model_features(model)
    if isinstance(data, pd.DataFrame):
        frame = data
    else:
        array = np.asarray(data)
        if array.ndim != 2:
            raise ExplainInputError(
                f"{what}: expected a 2-D table of rows, got shape {array.shape}"
            )
        columns = expected or tuple(f"x{j}" for j in range(array.shape[1]))
        if len(columns) != array.shape[1]:
            raise ExplainInputError(
                f"{what}: has {array.shape[1]} columns but model {name} takes {len(columns)} "
                "features; pass a DataFrame with the model's feature names"
            )
        frame = pd.DataFrame(array, columns=list(columns))
    if expected is not None:
        missing = [c for c in expected if c not in frame.columns]
        extra = [str(c) for c in frame.columns if c not in expected]
        if missing or extra:
            raise ExplainInputError(
                f"{what}: columns do not match the features of model {name} "
                f"(missing {missing}, unexpected {extra}); select the model's features"
            )
        frame = frame[list(expected)]
    n_features = getattr(model, "n_features_in_", None)
    if n_features is not None and frame.shape[1] != int(n_features):
        raise ExplainInputError(
            f"{what}: has {frame.shape[1]} columns but model {name} takes {n_features} features"
        )
    if len(frame) == 0:
        raise ExplainInputError(f"{what}: has no rows; pass at least one row")
    for column in frame.columns:
        series = frame[column]
        if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_complex_dtype(series):
            raise ExplainInputError(
                f"{what}: column {column!r} is not numeric ({series.dtype}); encode it as the "
                f"model {name} was trained (one-hot or ordinal) before explaining"
            )
        missing_count = int(series.isna().sum())
        if missing_count:
            raise ExplainInputError(
                f"{what}: column {column!r} has {missing_count} missing value(s); impute or "
                "drop those rows first (no explainer here attributes a missing value)"
            )
    out = frame.astype(np.float64)
    if not np.all(np.isfinite(out.to_numpy())):
        raise ExplainInputError(f"{what}: has infinite values; replace them first")
    out.columns = [str(c) for c in out.columns]
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class ModelOutput:
    """One scalar output per row of a fitted model, called on a float matrix.

    ``kind`` is the resolved output: ``margin`` (``decision_function``: log-odds for
    logistic and gradient-boosted classifiers), ``probability``
    (``predict_proba[:, class_index]``) or ``prediction`` (``predict``, for regressors).
    Rows go to the model as a DataFrame when it was fitted on one, so scikit-learn sees
    the names it expects.
    """

    model: Any
    kind: Literal["margin", "probability", "prediction"]
    feature_names: tuple[str, ...]
    class_index: int = 1

    @property
    def label(self) -> str:
        if self.kind == "margin":
            return "decision_function"
        if self.kind == "probability":
            return f"predict_proba[:, {self.class_index}]"
        return "predict"

    def _rows(self, X: NDArray[Any]) -> Any:
        if model_features(self.model) is None:
            return np.asarray(X, dtype=np.float64)
        return pd.DataFrame(np.asarray(X, dtype=np.float64), columns=list(self.feature_names))

    def __call__(self, X: NDArray[Any]) -> FloatArray:
        rows = self._rows(X)
        if self.kind == "margin":
            values = np.asarray(self.model.decision_function(rows), dtype=np.float64)
        elif self.kind == "probability":
            values = np.asarray(self.model.predict_proba(rows), dtype=np.float64)
            values = values[:, self.class_index]
        else:
            values = np.asarray(self.model.predict(rows), dtype=np.float64)
        return values.reshape(len(values))

    def proba(self, X: NDArray[Any]) -> FloatArray:
        """The full ``predict_proba`` matrix (LIME's classification mode needs every class)."""
        return np.asarray(self.model.predict_proba(self._rows(X)), dtype=np.float64)


def model_output(
    model: Any, feature_names: Sequence[str], output: OutputKind = "auto", class_index: int = 1
) -> ModelOutput:
    """Resolve which scalar output of ``model`` is explained, or say why none can be.

    ``auto`` picks the margin (``decision_function``) of a binary classifier that has one,
    else its probability of ``classes_[class_index]``, and ``predict`` for a regressor.
    """
    name = _model_name(model)
    names = tuple(feature_names)
    if is_classifier(model):
        classes = getattr(model, "classes_", None)
        n_classes = 0 if classes is None else len(classes)
        if n_classes != 2:
            raise UnsupportedModelError(
                f"model {name} has {n_classes} classes; explain supports binary classifiers "
                "and regressors (explain one class against the rest with a binary model)"
            )
        if class_index not in (0, 1):
            raise ExplainInputError(f"class_index must be 0 or 1 for model {name}")
        if output == "auto":
            output = "margin" if hasattr(model, "decision_function") else "probability"
        if output == "prediction":
            raise ExplainInputError(
                f"output='prediction' of classifier {name} is a class label, not a score; "
                "use output='margin' or 'probability'"
            )
        if output == "margin" and not hasattr(model, "decision_function"):
            raise UnsupportedModelError(
                f"model {name} has no decision_function; use output='probability'"
            )
        if output == "probability" and not hasattr(model, "predict_proba"):
            raise UnsupportedModelError(f"model {name} has no predict_proba; use output='margin'")
        return ModelOutput(model, output, names, class_index)
    if is_regressor(model) or hasattr(model, "predict"):
        if output not in ("auto", "prediction"):
            raise ExplainInputError(
                f"model {name} is a regressor; only output='prediction' applies, not {output!r}"
            )
        return ModelOutput(model, "prediction", names)
    raise UnsupportedModelError(
        f"model {name} has no predict method; pass a fitted scikit-learn-style estimator"
    )


def sample_rows(frame: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    """At most ``size`` rows of ``frame``, drawn without replacement with ``seed``."""
    if len(frame) <= size:
        return frame
    rng = np.random.default_rng(seed)
    picked = np.sort(rng.choice(len(frame), size=size, replace=False))
    return frame.iloc[picked].reset_index(drop=True)
