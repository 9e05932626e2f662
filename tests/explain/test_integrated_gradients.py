"""Integrated gradients through Captum, and its completeness check.

Oracles: the closed form of IG on a linear model, ``(x - baseline) * w`` (exact: the
gradient is constant along the path); completeness recomputed here from the model itself,
``sum(attributions) = f(x) - f(baseline)``, not from Captum's delta; and for the rows the
check says did not converge, the same recomputation showing they indeed miss.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ombud.explain import (
    CompletenessCheck,
    ExplainInputError,
    evidence_draft,
    explain_integrated_gradients,
)
from ombud.records import Verdict


def _standardised(hmda: tuple[pd.DataFrame, pd.Series]) -> pd.DataFrame:
    X, _ = hmda
    return ((X - X.mean()) / X.std()).iloc[:40]


def test_ig_on_a_linear_model_is_the_closed_form(hmda: tuple[pd.DataFrame, pd.Series]) -> None:
    X = _standardised(hmda)
    torch.manual_seed(0)
    linear = torch.nn.Linear(X.shape[1], 1).double()
    baseline = X.mean().to_numpy() + 0.3

    def model(x: torch.Tensor) -> torch.Tensor:
        return linear(x)[:, 0]

    result = explain_integrated_gradients(model, X, baseline=baseline, n_steps=8)
    w = linear.weight.detach().numpy()[0]
    expected = (X.to_numpy() - baseline) * w
    # Exact up to Captum's quadrature weights, which it casts to float32
    # (integrated_gradients.py: ``torch.tensor(step_sizes).float()``): 1.5e-8 relative here.
    np.testing.assert_allclose(result.attributions, expected, rtol=1e-7, atol=0)
    assert result.feature_names == tuple(X.columns)
    assert isinstance(result.quality, CompletenessCheck)
    assert result.quality.passed
    assert result.quality.max_relative_delta < 1e-7
    assert set(result.quality.steps) == {8}  # converged at once: never raised
    assert result.versions["captum"]
    assert result.versions["torch"].startswith("2.13")


def _mlp() -> torch.nn.Module:
    torch.manual_seed(1)
    return torch.nn.Sequential(
        torch.nn.Linear(13, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1), torch.nn.Flatten(0)
    ).double()


def test_completeness_holds_when_checked_independently(
    hmda: tuple[pd.DataFrame, pd.Series],
) -> None:
    X = _standardised(hmda).iloc[:15]
    model = _mlp()
    result = explain_integrated_gradients(
        model, X, n_steps=2, tolerance=1e-4, method="riemann_middle", max_steps=1024
    )
    with torch.no_grad():
        f_x = model(torch.tensor(X.to_numpy())).numpy()
        f_b = model(torch.zeros(1, X.shape[1], dtype=torch.float64)).numpy()
    difference = f_x - f_b
    missing = np.abs(result.attributions.sum(axis=1) - difference)
    assert result.quality.passed
    assert (missing <= 1e-4 * np.maximum(np.abs(difference), 1e-6) + 1e-12).all()
    np.testing.assert_allclose(result.outputs, f_x, atol=1e-12)
    np.testing.assert_allclose(result.base_values, np.broadcast_to(f_b, f_x.shape), atol=1e-12)
    # 2 midpoint steps are far too few for 1e-4 here: the steps were raised, per row.
    assert max(result.quality.steps) > 2
    assert set(result.quality.steps) <= {2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}


def test_a_row_that_does_not_converge_is_reported_never_hidden(
    hmda: tuple[pd.DataFrame, pd.Series],
) -> None:
    X = _standardised(hmda)
    model = _mlp()
    result = explain_integrated_gradients(
        model, X, n_steps=2, max_steps=2, tolerance=1e-6, method="riemann_left"
    )
    check = result.quality
    assert isinstance(check, CompletenessCheck)
    assert not check.passed
    assert check.not_converged
    assert "NOT CONVERGED" in check.describe()
    # the rows it names really miss: recomputed from the model
    with torch.no_grad():
        f_x = model(torch.tensor(X.to_numpy())).numpy()
        f_b = float(model(torch.zeros(1, X.shape[1], dtype=torch.float64))[0])
    miss = np.abs(result.attributions.sum(axis=1) - (f_x - f_b))
    rel = miss / np.maximum(np.abs(f_x - f_b), 1e-6)
    assert set(np.flatnonzero(rel > 1e-6)) == set(check.not_converged)
    draft = evidence_draft(result)
    assert draft.verdicts["explain.quality"] is Verdict.FAIL
    assert draft.metrics["explain.ig.not_converged_rows"] == len(check.not_converged)


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"n_steps": 1}, "n_steps=1"),
        ({"n_steps": 100, "max_steps": 50}, "max_steps=50"),
        ({"tolerance": 0.0}, "tolerance=0.0"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, float], says: str) -> None:
    with pytest.raises(ExplainInputError, match=says):
        explain_integrated_gradients(lambda x: x.sum(1), np.ones((2, 3)), **kwargs)  # type: ignore[arg-type]


def test_nan_input_is_refused() -> None:
    with pytest.raises(ExplainInputError, match="finite"):
        explain_integrated_gradients(lambda x: x.sum(1), np.array([[1.0, np.nan]]))
