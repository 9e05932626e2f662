"""Importing the explanation libraries, quietly and only when needed.

``shap`` 0.51 builds its plot colour maps at import time with matplotlib calls that
matplotlib 3.11 marks as pending deprecation; the warning is shap's, says nothing about
the caller's data, and would turn into an error under ``-W error`` (as in Ombud's test
suite). It is silenced for the import alone, by message. The libraries are imported on
first use so ``import ombud.explain`` stays fast.
"""

from __future__ import annotations

import warnings
from types import ModuleType

__all__ = ["import_shap"]


def import_shap() -> ModuleType:
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message=r"The set_\w+ function will be deprecated",
            category=PendingDeprecationWarning,
        )
        import shap
    module: ModuleType = shap
    return module
