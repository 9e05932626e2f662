"""The one record that flows through the pipeline: an ``Attempt``.

A probe creates it (prompt turns, metadata), mutators replace its payload, a target
fills the response, detectors add their outcomes, and the runner appends it to the
JSONL log. Keeping a single frozen record, rather than one object per stage, means
the log line *is* the whole story of an attempt: it can be re-scored, compared and
imported from other tools without a second schema.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

__all__ = [
    "Attempt",
    "AttemptStatus",
    "DetectorResult",
    "Outcome",
    "Turn",
    "attempt_from_dict",
    "attempt_to_dict",
]

SCHEMA_VERSION = 1


class Outcome(StrEnum):
    """What a detector concluded about one response.

    ``hit`` means the failure the detector looks for happened (the attack worked, a
    secret leaked, a benign request was refused). ``unscorable`` means the detector
    could not tell; it is reported on its own and never counted as safe.
    """

    HIT = "hit"
    MISS = "miss"
    UNSCORABLE = "unscorable"


class AttemptStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    ERROR = "error"


@dataclass(frozen=True)
class Turn:
    role: str
    content: str


@dataclass(frozen=True)
class DetectorResult:
    detector: str
    outcome: Outcome
    score: float | None = None
    note: str = ""


@dataclass(frozen=True)
class Attempt:
    """One prompt (possibly multi-turn) sent to one target, and what came back."""

    probe: str
    index: int
    turns: tuple[Turn, ...]
    category: str = ""
    family: str = ""
    goal: str = ""
    detectors: tuple[str, ...] = ()
    mutators: tuple[str, ...] = ()
    context: Mapping[str, str] = field(default_factory=dict)
    status: AttemptStatus = AttemptStatus.PENDING
    response: str | None = None
    transcript: tuple[Turn, ...] = ()
    results: tuple[DetectorResult, ...] = ()
    error: str | None = None
    started_at: float | None = None
    elapsed_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    tries: int = 0
    error_kind: str | None = None

    @property
    def attempt_id(self) -> str:
        """Stable id from what is sent: the same plan always yields the same ids."""
        payload = json.dumps(
            [
                self.probe,
                self.index,
                list(self.mutators),
                [[t.role, t.content] for t in self.turns],
            ],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:20]

    @property
    def user_turns(self) -> tuple[Turn, ...]:
        return tuple(t for t in self.turns if t.role == "user")

    @property
    def verdict(self) -> Outcome | None:
        """Hit if any detector hit; unscorable if none hit but one could not score."""
        if self.status is not AttemptStatus.DONE or not self.results:
            return None
        outcomes = {r.outcome for r in self.results}
        if Outcome.HIT in outcomes:
            return Outcome.HIT
        if Outcome.UNSCORABLE in outcomes:
            return Outcome.UNSCORABLE
        return Outcome.MISS

    def with_payload(self, text: str, mutator: str) -> Attempt:
        """Replace the last user turn (the attack payload) and record the mutator."""
        turns = list(self.turns)
        for position in range(len(turns) - 1, -1, -1):
            if turns[position].role == "user":
                turns[position] = Turn("user", text)
                break
        return replace(self, turns=tuple(turns), mutators=(*self.mutators, mutator))


def attempt_to_dict(attempt: Attempt) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "id": attempt.attempt_id,
        "probe": attempt.probe,
        "index": attempt.index,
        "category": attempt.category,
        "family": attempt.family,
        "goal": attempt.goal,
        "detectors": list(attempt.detectors),
        "mutators": list(attempt.mutators),
        "context": dict(attempt.context),
        "turns": [[t.role, t.content] for t in attempt.turns],
        "status": attempt.status.value,
        "response": attempt.response,
        "transcript": [[t.role, t.content] for t in attempt.transcript],
        "results": [
            {"detector": r.detector, "outcome": r.outcome.value, "score": r.score, "note": r.note}
            for r in attempt.results
        ],
        "error": attempt.error,
        "started_at": attempt.started_at,
        "elapsed_s": attempt.elapsed_s,
        "prompt_tokens": attempt.prompt_tokens,
        "completion_tokens": attempt.completion_tokens,
        "tries": attempt.tries,
        **({"error_kind": attempt.error_kind} if attempt.error_kind else {}),
    }


def _turns(raw: Sequence[Sequence[str]]) -> tuple[Turn, ...]:
    return tuple(Turn(str(role), str(content)) for role, content in raw)


def attempt_from_dict(data: Mapping[str, Any]) -> Attempt:
    """Inverse of :func:`attempt_to_dict`; raises ``KeyError``/``TypeError`` on bad input."""
    return Attempt(
        probe=str(data["probe"]),
        index=int(data["index"]),
        turns=_turns(data["turns"]),
        category=str(data.get("category", "")),
        family=str(data.get("family", "")),
        goal=str(data.get("goal", "")),
        detectors=tuple(str(d) for d in data.get("detectors", ())),
        mutators=tuple(str(m) for m in data.get("mutators", ())),
        context={str(k): str(v) for k, v in dict(data.get("context", {})).items()},
        status=AttemptStatus(data.get("status", "pending")),
        response=data.get("response"),
        transcript=_turns(data.get("transcript", ())),
        results=tuple(
            DetectorResult(
                detector=str(r["detector"]),
                outcome=Outcome(r["outcome"]),
                score=None if r.get("score") is None else float(r["score"]),
                note=str(r.get("note", "")),
            )
            for r in data.get("results", ())
        ),
        error=data.get("error"),
        started_at=data.get("started_at"),
        elapsed_s=data.get("elapsed_s"),
        prompt_tokens=data.get("prompt_tokens"),
        completion_tokens=data.get("completion_tokens"),
        tries=int(data.get("tries", 0)),
        error_kind=None if data.get("error_kind") is None else str(data["error_kind"]),
    )
