"""Counting why attempts were not scored, and rates that do not exist shown as "no data"."""

from __future__ import annotations

from ombud.redteam import (
    Attempt,
    AttemptStatus,
    DetectorResult,
    ErrorKind,
    Outcome,
    Turn,
    attack_success_rates,
    run_outcome,
)
from ombud.redteam.reports import percent

TURNS = (Turn("user", "x"),)


def _error(index: int, message: str, kind: str | None = None) -> Attempt:
    return Attempt("p", index, TURNS, status=AttemptStatus.ERROR, error=message, error_kind=kind)


def _done(index: int, response: str, outcome: Outcome) -> Attempt:
    return Attempt(
        "p",
        index,
        TURNS,
        status=AttemptStatus.DONE,
        response=response,
        results=(DetectorResult("refusal", outcome),),
    )


def test_causes_are_counted_by_kind_most_common_first() -> None:
    attempts = [_error(i, "x", ErrorKind.TIMEOUT) for i in range(3)]
    attempts += [_error(10, "target http://h/v1 answered 503")]  # an old log: no kind stored
    attempts += [_done(20, "  ", Outcome.UNSCORABLE), _done(21, "No.", Outcome.MISS)]
    outcome = run_outcome(attempts, {"type": "openai", "url": "http://h/v1"})
    assert (outcome.total, outcome.scored, outcome.errors, outcome.unscorable) == (6, 1, 4, 1)
    assert outcome.causes == (
        (ErrorKind.TIMEOUT, 3),
        (ErrorKind.HTTP_5XX, 1),
        (ErrorKind.EMPTY_CONTENT, 1),
    )
    assert outcome.measured
    assert outcome.causes_text() == (
        "5 of 6 attempts not scored at http://h/v1: 3 timeout, 1 HTTP 5xx status, 1 empty content"
    )


def test_one_cause_reads_as_one_line() -> None:
    attempts = [_error(i, "target refused the connection") for i in range(54)]
    outcome = run_outcome(attempts, {"url": "http://127.0.0.1:9/v1"})
    assert not outcome.measured
    assert outcome.causes_text() == "54 of 54 attempts: connection refused at http://127.0.0.1:9/v1"


def test_a_group_without_scored_attempts_has_no_rate_not_nan() -> None:
    rows = attack_success_rates([_error(0, "e"), _done(1, "", Outcome.UNSCORABLE)], "probe")
    (row,) = rows
    assert (row.rate, row.lower, row.upper) == (None, None, None)
    assert percent(row.rate) == "no data"
    assert percent(float("nan")) == "no data"
    assert percent(0.125) == "12.5%"


def test_an_empty_answer_is_not_scored_by_any_detector() -> None:
    """A canary 'not found' in an empty answer used to count as a miss (a safe attempt)."""
    import asyncio

    from ombud.redteam import CanaryDetector, score_attempt

    attempt = Attempt(
        "p",
        0,
        TURNS,
        detectors=("canary",),
        status=AttemptStatus.DONE,
        response=" \n",
    )
    scored = asyncio.run(score_attempt(attempt, {"canary": CanaryDetector(("S3CRET",))}))
    assert scored.verdict is Outcome.UNSCORABLE
    outcome = run_outcome([scored], {"url": "http://h/v1"})
    assert outcome.causes == ((ErrorKind.EMPTY_CONTENT, 1),)
