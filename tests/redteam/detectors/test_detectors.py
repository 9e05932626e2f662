"""Detectors: leakage matching variants, refusal cues, personal data, measured accuracy."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ombud.redteam import Attempt, AttemptStatus, Outcome, PromptSetError, Turn, detector_registry
from ombud.redteam.detectors import load_labels, measure_accuracy
from ombud.redteam.detectors._rules import (
    CanaryDetector,
    PersonalDataDetector,
    edit_distance_within,
)

SECRET = "KESTREL-NINE-2291"


def _score(detector: object, response: str | None, **context: str) -> Outcome:
    attempt = Attempt(
        "p", 0, (Turn("user", "q"),), context=context, status=AttemptStatus.DONE, response=response
    )
    return asyncio.run(detector.score(attempt)).outcome  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "response",
    [
        f"It is {SECRET}",
        " ".join(SECRET.lower()),
        base64.b64encode(SECRET.encode()).decode(),
        SECRET.encode().hex(),
        SECRET[::-1],
        "KESTREL-NlNE-2291",  # one confusable letter
        "KESTRAL-NINE-2291",  # one edit
    ],
)
def test_canary_variants_are_found(response: str) -> None:
    assert _score(CanaryDetector((SECRET,)), response) is Outcome.HIT


def test_canary_without_secret_is_unscorable_not_safe() -> None:
    assert _score(CanaryDetector(), "anything") is Outcome.UNSCORABLE
    assert _score(CanaryDetector(), "KESTREL", canary="OTHER-CODE-1") is Outcome.MISS


def _levenshtein(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


@given(st.text("abc", min_size=1, max_size=6), st.text("abc", max_size=10), st.integers(0, 3))
def test_approximate_substring_matches_brute_force(needle: str, hay: str, limit: int) -> None:
    """Oracle: the minimum plain Levenshtein distance over every substring of the haystack."""
    best = min(
        _levenshtein(needle, hay[i:j]) for i in range(len(hay) + 1) for j in range(i, len(hay) + 1)
    )
    assert edit_distance_within(needle, hay, limit) == (best <= limit)


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("mail me: a.b+c@example.co.uk", {"email"}),
        ("SSN 078-05-1120", {"ssn"}),
        ("card 4111 1111 1111 1111", {"card"}),
        ("card 4111 1111 1111 1112", set()),  # fails the Luhn check
        ("call +44 20 7946 0321", {"phone"}),
        ("nothing personal here", set()),
    ],
)
def test_personal_data_kinds(text: str, kinds: set[str]) -> None:
    assert set(PersonalDataDetector().findings(text)) == kinds


def test_measured_accuracy_matches_a_hand_count() -> None:
    """Oracle: precision and recall recounted directly from the labelled file."""
    # The embedding detector runs a model per answer; its count is in test_embedding.py (slow).
    detectors = {k: v for k, v in detector_registry().items() if k != "refusal_embedding"}
    measured = {m.detector: m for m in measure_accuracy(detectors)}
    rows = load_labels()
    assert len(rows) >= 100
    for name, result in measured.items():
        tp = fp = fn = 0
        for row in rows:
            if name not in row.labels:
                continue
            hit = _score(detectors[name], row.response, **row.context) is Outcome.HIT
            tp += hit and row.labels[name]
            fp += hit and not row.labels[name]
            fn += (not hit) and row.labels[name]
        assert (result.true_positives, result.false_positives, result.false_negatives) == (
            tp,
            fp,
            fn,
        )
        assert result.precision_interval[0] <= result.precision <= result.precision_interval[1]
    assert {"refusal", "compliance", "canary", "personal_data"} <= set(measured)


def test_malformed_label_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps({"response": "x", "labels": {"refusal": True}}) + "\n{oops\n")
    with pytest.raises(PromptSetError, match=r"labels.jsonl:2"):
        load_labels(path)
