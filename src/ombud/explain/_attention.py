"""Attention maps of a transformer text model: per layer and head, and attention rollout.

Attention weights say where each layer's tokens read from; they are not, by themselves, an
explanation of the model's output: Jain & Wallace (2019, "Attention is not Explanation")
found attention often uncorrelated with gradient-based importance and could swap in very
different attention without changing the prediction; Wiegreffe & Pinter (2019, "Attention
is not not Explanation") answered that whether it explains depends on the definition and
must be tested. So every :class:`AttentionMaps` carries :data:`ATTENTION_CAVEAT`, the
report prints it, and attention is never recorded as explanation evidence (integrated
gradients, whose completeness is checked, is).

Attention rollout (Abnar & Zuidema 2020, "Quantifying Attention Flow in Transformers")
follows attention through the layers: each layer's head-averaged attention ``A`` is mixed
with the identity for the residual connection, ``0.5 A + 0.5 I``, rows renormalised, and
the layers multiplied, ``R = A_L ... A_1``; ``R[i, j]`` is how much position ``i`` at the
top draws on input token ``j``. MiniLM's sentence embedding averages the top positions, so
a token's score is the column mean of ``R``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ombud.explain._errors import ExplainInputError
from ombud.explain._extra import require_torch, torch_threads, torch_versions

if TYPE_CHECKING:
    from ombud.explain._text import TextModel

__all__ = ["ATTENTION_CAVEAT", "AttentionMaps", "attention_maps", "attention_rollout"]

FloatArray = NDArray[np.float64]

ATTENTION_CAVEAT = (
    "Attention weights show where the model's layers read from, not why it gave this "
    "output: attention is not an explanation of the output (Jain & Wallace 2019; "
    "Wiegreffe & Pinter 2019). Use integrated gradients, whose completeness is checked, "
    "for attributions."
)


def attention_rollout(weights: Any, *, residual: float = 0.5) -> FloatArray:
    """Rollout of one text's attention (layers x heads x tokens x tokens) -> tokens x tokens.

    Heads are averaged; ``residual`` is the identity's share (Abnar & Zuidema use 0.5).
    """
    stack = np.asarray(weights, dtype=np.float64)
    if stack.ndim != 4 or stack.shape[2] != stack.shape[3]:
        raise ExplainInputError(
            f"attention has shape {stack.shape}; expected layers x heads x tokens x tokens"
        )
    if not 0 <= residual <= 1:
        raise ExplainInputError(f"residual={residual}: give a share in [0, 1]")
    size = stack.shape[2]
    rollout = np.eye(size)
    for layer in stack:
        mixed = (1 - residual) * layer.mean(axis=0) + residual * np.eye(size)
        mixed = mixed / mixed.sum(axis=-1, keepdims=True)
        rollout = mixed @ rollout
    return rollout


def _frozen(array: Any) -> FloatArray:
    out = np.array(array, dtype=np.float64, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class AttentionMaps:
    """Each text's tokens, attention per layer and head, rollout and rollout token scores.

    ``weights[i]`` is text ``i``'s (layers x heads x tokens x tokens) attention, ``rollout[i]``
    its (tokens x tokens) rollout and ``token_scores[i]`` the column means of the rollout
    (they sum to 1). ``outputs`` are the classifier's log-odds. ``caveat`` is always shown.
    """

    tokens: tuple[tuple[str, ...], ...]
    weights: tuple[FloatArray, ...]
    rollout: tuple[FloatArray, ...]
    token_scores: tuple[FloatArray, ...]
    outputs: FloatArray
    output: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    versions: Mapping[str, str] = field(default_factory=dict)
    caveat: str = ATTENTION_CAVEAT

    method = "attention"

    def __post_init__(self) -> None:
        for name in ("weights", "rollout", "token_scores"):
            object.__setattr__(self, name, tuple(_frozen(a) for a in getattr(self, name)))
        object.__setattr__(self, "outputs", _frozen(self.outputs))
        object.__setattr__(self, "settings", dict(self.settings))
        object.__setattr__(self, "versions", dict(self.versions))
        n = len(self.tokens)
        if not len(self.weights) == len(self.rollout) == len(self.token_scores) == n:
            raise ValueError("AttentionMaps: one entry per text in every field")

    @property
    def n_rows(self) -> int:
        return len(self.tokens)

    def head_average(self, row: int, layer: int) -> FloatArray:
        """Text ``row``'s attention in ``layer``, averaged over the heads (tokens x tokens)."""
        out: FloatArray = self.weights[row][layer].mean(axis=0)
        return out

    def summary(self) -> dict[str, Any]:
        """JSON-ready: tokens with their rollout scores per text, settings and the caveat."""
        return {
            "method": self.method,
            "output": self.output,
            "rows": self.n_rows,
            "caveat": self.caveat,
            "settings": dict(self.settings),
            "versions": dict(self.versions),
            "texts": [
                {
                    "tokens": list(tokens),
                    "rollout_scores": [float(v) for v in scores],
                    "output": float(out),
                }
                for tokens, scores, out in zip(
                    self.tokens, self.token_scores, self.outputs, strict=True
                )
            ],
        }


def attention_maps(
    model: TextModel, texts: Sequence[str], *, residual: float = 0.5, threads: int | None = 1
) -> AttentionMaps:
    """The attention of a MiniLM text model on each text, with its rollout (``threads``: torch
    threads while it runs, as in ``explain_text_ig``)."""
    torch = require_torch()
    if not texts:
        raise ExplainInputError("texts: give at least one text")
    tokens, weights, rollouts, scores, outputs = [], [], [], [], []
    classifier = model.classifier
    with torch.no_grad(), torch_threads(threads):
        for text in texts:
            encoded = model.encode([text], pad=False)
            _, attention = classifier.encoder(encoded.ids, encoded.mask)
            stack = np.stack([a[0].double().numpy() for a in attention])
            rollout = attention_rollout(stack, residual=residual)
            tokens.append(encoded.tokens[0])
            weights.append(stack)
            rollouts.append(rollout)
            scores.append(rollout.mean(axis=0))
            outputs.append(float(classifier(encoded.ids, encoded.mask)[0]))
    layers, heads = weights[0].shape[:2]
    return AttentionMaps(
        tokens=tuple(tokens),
        weights=tuple(weights),
        rollout=tuple(rollouts),
        token_scores=tuple(scores),
        outputs=np.array(outputs),
        output=f"decision_function ({model.head} on MiniLM embeddings, log-odds)",
        settings={
            "layers": int(layers),
            "heads": int(heads),
            "rollout": "Abnar & Zuidema 2020: heads averaged, 0.5 A + 0.5 I, rows renormalised",
            "residual": residual,
            "token_score": "column mean of the rollout (the model mean-pools the top layer)",
            "precision": model.precision,
        },
        versions=torch_versions(),
    )
