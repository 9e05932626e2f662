"""Loading model files: pickles refused unless trusted and pinned, skops types checked.

Oracles: hashlib's sha256 of the file (the pin), and a pickle that would run code when
loaded: a ``__reduce__`` that writes a marker file. The test asserts the marker is never
written when the load is refused.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import joblib  # type: ignore[import-untyped]
import numpy as np
import pytest
import skops.io
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from ombud.explain import UnsafeModelError, load_model


class _Trap:
    """Unpickling this writes a file: the code a pickle can run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (Path.write_text, (str(self.marker), "pwned"))  # type: ignore[return-value]


class Doubler(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """A custom transformer: a type skops does not trust by default."""

    def fit(self, X: object, y: object = None) -> Doubler:
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:  # type: ignore[type-arg]
        return np.asarray(X) * 2


@pytest.fixture
def fitted() -> LogisticRegression:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    return LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_unsafe_pickle_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    model_file = tmp_path / "model.pkl"
    model_file.write_bytes(pickle.dumps(_Trap(marker)))
    with pytest.raises(UnsafeModelError, match="refusing to load a pickle") as caught:
        load_model(model_file)
    assert "skops.io.dump" in str(caught.value)
    assert "expected_sha256" in str(caught.value)
    with pytest.raises(UnsafeModelError, match="needs expected_sha256"):
        load_model(model_file, trust=True)
    with pytest.raises(UnsafeModelError, match="the file changed since it was pinned"):
        load_model(model_file, trust=True, expected_sha256="0" * 64)
    assert not marker.exists()
    renamed = tmp_path / "model.skops"  # a pickle is not a skops archive, whatever its name
    renamed.write_bytes(model_file.read_bytes())
    with pytest.raises(UnsafeModelError, match="refusing to load a pickle"):
        load_model(renamed)
    assert not marker.exists()


def test_trusted_pinned_joblib_loads(tmp_path: Path, fitted: LogisticRegression) -> None:
    path = tmp_path / "model.joblib"
    joblib.dump(fitted, path)
    loaded = load_model(path, trust=True, expected_sha256=_sha(path).upper())
    assert loaded.format == "pickle"
    assert loaded.sha256 == _sha(path)
    np.testing.assert_array_equal(loaded.model.coef_, fitted.coef_)


def test_skops_model_loads_with_default_trust(tmp_path: Path, fitted: LogisticRegression) -> None:
    path = tmp_path / "model.skops"
    skops.io.dump(fitted, path)
    loaded = load_model(path)
    assert loaded.format == "skops"
    assert loaded.trusted_types == ()
    assert loaded.sha256 == _sha(path)
    np.testing.assert_array_equal(loaded.model.coef_, fitted.coef_)


def test_skops_untrusted_type_refused_and_listed(
    tmp_path: Path, fitted: LogisticRegression
) -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    pipeline = make_pipeline(Doubler(), LogisticRegression()).fit(X, (X[:, 1] > 0).astype(int))
    path = tmp_path / "pipeline.skops"
    skops.io.dump(pipeline, path)
    untrusted = skops.io.get_untrusted_types(file=path)
    assert any(t.endswith("Doubler") for t in untrusted)
    with pytest.raises(UnsafeModelError, match=r"not trusted: .*Doubler") as caught:
        load_model(path)
    assert "trusted=[...]" in str(caught.value)
    assert "\n" not in str(caught.value)
    with pytest.raises(UnsafeModelError, match="Doubler"):
        load_model(path, trusted=["numpy.ndarray"])  # trusting something else does not help
