"""Attention rollout (Abnar & Zuidema 2020) against a computation by hand.

Oracle: on a tiny transformer-like stack of random row-stochastic matrices (2 layers, 2
heads, 3 tokens), the rollout is written out element by element with plain Python loops:
average the heads, add the identity with weight 1/2, renormalise each row, and multiply the
layers top-down. No numpy matrix product is shared with the implementation.
"""

from __future__ import annotations

import numpy as np
import pytest

from ombud.explain import ExplainInputError, attention_rollout


def _random_attention(layers: int, heads: int, tokens: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    raw = rng.random((layers, heads, tokens, tokens))
    return raw / raw.sum(axis=-1, keepdims=True)


def _by_hand(weights: np.ndarray, residual: float) -> list[list[float]]:
    layers, heads, n, _ = weights.shape
    rollout = [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]
    for layer in range(layers):
        mixed = [[0.0] * n for _ in range(n)]
        for i in range(n):
            for j in range(n):
                mean = sum(float(weights[layer, h, i, j]) for h in range(heads)) / heads
                mixed[i][j] = (1 - residual) * mean + (residual if i == j else 0.0)
            total = sum(mixed[i])
            mixed[i] = [v / total for v in mixed[i]]
        rollout = [
            [sum(mixed[i][k] * rollout[k][j] for k in range(n)) for j in range(n)] for i in range(n)
        ]
    return rollout


@pytest.mark.parametrize("residual", [0.5, 0.0, 0.3])
def test_rollout_equals_the_hand_computation(residual: float) -> None:
    weights = _random_attention(2, 2, 3, seed=7)
    got = attention_rollout(weights, residual=residual)
    np.testing.assert_allclose(got, np.array(_by_hand(weights, residual)), rtol=0, atol=1e-15)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-15)  # still row-stochastic


def test_a_two_by_two_case_worked_on_paper() -> None:
    # one layer, one head, A = [[1, 0], [1/2, 1/2]]; 0.5 A + 0.5 I = [[1, 0], [1/4, 3/4]]
    weights = np.array([[[[1.0, 0.0], [0.5, 0.5]]]])
    np.testing.assert_array_equal(attention_rollout(weights), [[1.0, 0.0], [0.25, 0.75]])


def test_rollout_refuses_a_wrong_shape() -> None:
    with pytest.raises(ExplainInputError, match="layers x heads x tokens x tokens"):
        attention_rollout(np.ones((2, 3, 3)))
