"""Errors the explain engine raises for input the caller must fix.

Each is a ``ValueError`` so the CLI's one error boundary can turn any of them into a
one-line message and exit code 2 (bad input) without a traceback; the message says what
is wrong, where, and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "BudgetExceededError",
    "ExplainInputError",
    "ExtraNotInstalledError",
    "ModelFileError",
    "QualityCheckError",
    "ReasonTableError",
    "UnsafeModelError",
    "UnsupportedModelError",
]


class ExplainInputError(ValueError):
    """Data, background or settings that no explainer can use as they are."""


class UnsupportedModelError(ExplainInputError):
    """The model is not one the chosen explainer supports (the message says which would)."""


class BudgetExceededError(ExplainInputError):
    """A model-agnostic explainer would need more model evaluations than the budget allows."""


class UnsafeModelError(ExplainInputError):
    """A model file that would run code Ombud cannot vouch for (pickle, unknown skops types)."""


class ModelFileError(ExplainInputError):
    """A model file that is damaged, or is not the kind of model its name says it is."""


class ReasonTableError(ExplainInputError):
    """A reason-code table that is malformed, incomplete or maps a protected attribute."""


class QualityCheckError(ExplainInputError):
    """An explanation failed its own quality check and was refused rather than returned."""


class ExtraNotInstalledError(RuntimeError):
    """An optional extra (PyTorch and Captum for text models) that is not installed.

    Not a ``ValueError``: the input is fine, the environment lacks a library, so the CLI
    exits 3 (environment) with the message's one line, which names the extra to install.
    """
