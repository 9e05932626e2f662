"""The Attempt record survives the JSON round trip the log depends on."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from ombud.redteam import (
    Attempt,
    AttemptStatus,
    DetectorResult,
    Outcome,
    Turn,
    attempt_from_dict,
    attempt_to_dict,
)

turns = st.lists(
    st.builds(Turn, st.sampled_from(["system", "user", "assistant"]), st.text()),
    min_size=1,
    max_size=4,
).map(tuple)
results = st.lists(
    st.builds(
        DetectorResult,
        st.text(min_size=1),
        st.sampled_from(list(Outcome)),
        st.none() | st.floats(0, 1),
    ),
    max_size=3,
).map(tuple)


@given(
    turns,
    results,
    st.sampled_from(list(AttemptStatus)),
    st.none() | st.text(),
    st.lists(st.text(min_size=1), max_size=3).map(tuple),
)
def test_round_trip(
    t: tuple[Turn, ...],
    r: tuple[DetectorResult, ...],
    status: AttemptStatus,
    response: str | None,
    mutators: tuple[str, ...],
) -> None:
    attempt = Attempt(
        "probe",
        3,
        t,
        mutators=mutators,
        status=status,
        response=response,
        results=r,
        context={"canary": "x"},
    )
    back = attempt_from_dict(json.loads(json.dumps(attempt_to_dict(attempt))))
    assert back == attempt
    assert back.attempt_id == attempt.attempt_id


def test_verdict_is_hit_over_unscorable_over_miss() -> None:
    base = Attempt("p", 0, (Turn("user", "q"),), status=AttemptStatus.DONE, response="r")

    def with_(*outcomes: Outcome) -> Outcome | None:
        return Attempt(
            **{**base.__dict__, "results": tuple(DetectorResult("d", o) for o in outcomes)}
        ).verdict

    assert with_(Outcome.MISS, Outcome.HIT, Outcome.UNSCORABLE) is Outcome.HIT
    assert with_(Outcome.MISS, Outcome.UNSCORABLE) is Outcome.UNSCORABLE
    assert with_(Outcome.MISS) is Outcome.MISS
