"""XGBoost and LightGBM models behind the scikit-learn face the explainers expect.

The explainers call a model the scikit-learn way (``feature_names_in_``, ``classes_``,
``decision_function``, ``predict_proba``, ``predict``). A native ``xgboost.Booster`` or
``lightgbm.Booster`` has none of these, and the scikit-learn wrappers
(``XGBClassifier``, ``LGBMClassifier``) have no ``decision_function``: their natural
output is the probability, while ``shap.TreeExplainer`` explains their *margin* (log-odds),
so an explanation of "the output" would silently explain another number. :func:`adapt`
wraps any of the four in one object whose ``decision_function`` is the margin the trees
add up to, whose ``predict_proba`` is the library's own probability, and whose
``tree_model`` is the booster handed to ``shap.TreeExplainer``.

Only what the explainers can explain is accepted: binary classification
(``binary:logistic`` / ``binary``) and squared-error regression; any other objective (a
ranking or multi-class model) is refused by name. The libraries are imported only when a
model of theirs arrives, so neither is needed to explain a scikit-learn model.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from ombud.explain._errors import UnsupportedModelError

__all__ = ["BoosterClassifier", "BoosterRegressor", "adapt", "booster_library"]

FloatArray = NDArray[np.float64]

_BINARY = {"xgboost": ("binary:logistic",), "lightgbm": ("binary",)}
_REGRESSION = {
    "xgboost": ("reg:squarederror", "reg:linear"),
    "lightgbm": ("regression", "regression_l2", "l2", "mean_squared_error", "mse"),
}


def booster_library(model: Any) -> str | None:
    """``xgboost`` or ``lightgbm`` when ``model`` comes from that library, else None."""
    root = type(model).__module__.split(".")[0]
    return root if root in ("xgboost", "lightgbm") else None


def _xgb_booster(model: Any) -> Any:
    return model.get_booster() if hasattr(model, "get_booster") else model


def _lgb_booster(model: Any) -> Any:
    return model.booster_ if hasattr(model, "booster_") else model


def _objective(library: str, booster: Any) -> str:
    if library == "xgboost":
        config = json.loads(booster.save_config())
        return str(config["learner"]["objective"]["name"])
    # LightGBM writes e.g. "binary sigmoid:1" (the objective, then its parameters).
    return str(booster.dump_model(num_iteration=1).get("objective", "")).split(" ")[0]


def _names(library: str, booster: Any) -> tuple[str, ...] | None:
    if library == "xgboost":
        names = booster.feature_names
        return None if names is None else tuple(str(n) for n in names)
    return tuple(str(n) for n in booster.feature_name())


def _width(library: str, booster: Any) -> int:
    return int(booster.num_features() if library == "xgboost" else booster.num_feature())


class _Booster(BaseEstimator):  # type: ignore[misc]
    """The shared part: the booster, its library, its feature names and its margin."""

    def __init__(self, booster: Any, library: str, objective: str) -> None:
        self.booster = booster
        self.library = library
        self.objective = objective
        names = _names(library, booster)
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        self.n_features_in_ = _width(library, booster)

    @property
    def tree_model(self) -> Any:
        """The booster ``shap.TreeExplainer`` reads natively."""
        return self.booster

    def _call(self, X: Any, *, margin: bool) -> FloatArray:
        rows = np.asarray(X, dtype=np.float64)
        if self.library == "xgboost":
            # In place, without building a DMatrix: the explainers call this per coalition.
            out = self.booster.inplace_predict(rows, predict_type="margin" if margin else "value")
        else:
            out = self.booster.predict(rows, raw_score=margin)
        return np.asarray(out, dtype=np.float64).reshape(len(rows))


class BoosterClassifier(ClassifierMixin, _Booster):  # type: ignore[misc]
    """A binary XGBoost/LightGBM classifier: margin (log-odds) and probability of class 1."""

    def __init__(self, booster: Any, library: str, objective: str) -> None:
        super().__init__(booster, library, objective)
        self.classes_ = np.array([0, 1])

    def decision_function(self, X: Any) -> FloatArray:
        return self._call(X, margin=True)

    def predict_proba(self, X: Any) -> FloatArray:
        p = self._call(X, margin=False)
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> NDArray[np.int64]:
        return (self._call(X, margin=False) >= 0.5).astype(np.int64)


class BoosterRegressor(RegressorMixin, _Booster):  # type: ignore[misc]
    """A squared-error XGBoost/LightGBM regressor: ``predict`` is the sum of the trees."""

    def predict(self, X: Any) -> FloatArray:
        return self._call(X, margin=True)


def adapt(model: Any) -> Any:
    """``model`` unchanged unless it is an XGBoost or LightGBM model, which is wrapped."""
    if isinstance(model, _Booster):
        return model
    library = booster_library(model)
    if library is None:
        return model
    booster = _xgb_booster(model) if library == "xgboost" else _lgb_booster(model)
    objective = _objective(library, booster)
    name = type(model).__name__
    if objective in _BINARY[library]:
        return BoosterClassifier(booster, library, objective)
    if objective in _REGRESSION[library]:
        return BoosterRegressor(booster, library, objective)
    raise UnsupportedModelError(
        f"{library} model {name} has objective {objective!r}; explain supports binary "
        f"classification ({', '.join(_BINARY[library])}) and squared-error regression "
        f"({', '.join(_REGRESSION[library][:2])})"
    )
