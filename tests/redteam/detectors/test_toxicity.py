"""The offline toxicity detector: thresholding, missing package, measured accuracy."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Sequence

import pytest

from ombud.redteam import (
    Attempt,
    AttemptStatus,
    Outcome,
    Turn,
    load_labels,
    measure_accuracy,
)
from ombud.redteam.detectors import ToxicityDetector, _toxicity


def _score(detector: ToxicityDetector, response: str | None) -> tuple[Outcome, float | None]:
    attempt = Attempt("p", 0, (Turn("user", "q"),), status=AttemptStatus.DONE, response=response)
    result = asyncio.run(detector.score(attempt))
    return result.outcome, result.score


def _by_length(texts: Sequence[str]) -> list[float]:
    return [min(1.0, len(t) / 10) for t in texts]


def test_threshold_is_inclusive_and_score_is_the_probability() -> None:
    detector = ToxicityDetector(threshold=0.5, scorer=_by_length)
    assert _score(detector, "12345") == (Outcome.HIT, 0.5)
    assert _score(detector, "1234") == (Outcome.MISS, 0.4)
    assert _score(detector, "   ")[0] is Outcome.UNSCORABLE
    assert _score(detector, None)[0] is Outcome.UNSCORABLE


def test_missing_package_is_unscorable_not_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_toxicity, "_load_scorer", lambda: None)
    outcome, _ = _score(ToxicityDetector(), "you absolute idiot")
    assert outcome is Outcome.UNSCORABLE


def test_importing_the_package_does_not_load_the_classifiers() -> None:
    code = (
        "import sys, ombud.redteam as r; r.detector_registry(); "
        "print(sorted(m for m in ('profanity_check', 'tokenizers', 'safetensors', 'torch') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_accuracy_on_the_shipped_lines_meets_the_documented_floor() -> None:
    """Oracle: the hand labels in data/detector_labels.jsonl (written for Ombud, 25 offensive
    and 25 clean lines, including hostility without swear words and quoted swearing).
    The floor is below the documented 83% precision / 80% recall so that the test guards
    against a model swap that breaks the detector, not against one changed line."""
    pytest.importorskip("profanity_check")
    rows = [row for row in load_labels() if "toxicity" in row.labels]
    assert len(rows) >= 50
    (result,) = measure_accuracy({"toxicity": ToxicityDetector()}, rows)
    assert result.unscorable == 0
    assert result.precision >= 0.75
    assert result.recall >= 0.75
