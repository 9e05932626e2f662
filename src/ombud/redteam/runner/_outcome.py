"""Whether a run measured anything, and if not, why, counted by cause.

An attack success rate is hits over *scored* attempts. A run against a target that
refused every connection, answered HTML or 500s, sent empty answers or never answered
has no scored attempt: its rate is not 0 % and not "nan %", it does not exist. Such a
run must say so in one line ("54 of 54 attempts: connection refused at URL") and must
not be recorded as a result. A run where only some attempts failed is a result over the
scored ones, with the failures counted beside it.

Causes are the fixed labels of ``ErrorKind`` carried by each errored attempt; logs
written before those labels existed (and imported files) are classified from the
message text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ombud.redteam.core import Attempt, AttemptStatus, ErrorKind, Outcome

__all__ = ["RunOutcome", "cause_of", "run_outcome", "target_where"]

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"refused", re.I), ErrorKind.CONNECTION_REFUSED),
    (re.compile(r"timed out|exceeded .*s$|timeout", re.I), ErrorKind.TIMEOUT),
    (re.compile(r"answered 5\d\d"), ErrorKind.HTTP_5XX),
    (re.compile(r"answered 429"), ErrorKind.HTTP_429),
    (re.compile(r"answered 40[13]"), ErrorKind.AUTH),
    (re.compile(r"answered 4\d\d"), ErrorKind.HTTP_4XX),
    (re.compile(r"not JSON"), ErrorKind.NOT_JSON),
    (re.compile(r"not valid UTF-8|over the cap"), ErrorKind.BAD_BODY),
    (re.compile(r"without choices|non-string message"), ErrorKind.UNEXPECTED_JSON),
    (re.compile(r"malformed HTTP"), ErrorKind.MALFORMED_HTTP),
    (re.compile(r"unreachable", re.I), ErrorKind.UNREACHABLE),
    (re.compile(r"no attacker model"), ErrorKind.NO_ATTACKER),
)


def cause_of(attempt: Attempt) -> str | None:
    """Why ``attempt`` was not scored (None if it was)."""
    if attempt.status is AttemptStatus.ERROR:
        if attempt.error_kind:
            return attempt.error_kind
        message = attempt.error or ""
        return next((kind for p, kind in _PATTERNS if p.search(message)), ErrorKind.TARGET)
    verdict = attempt.verdict
    if verdict is Outcome.HIT or verdict is Outcome.MISS:
        return None
    if attempt.status is AttemptStatus.DONE and not (attempt.response or "").strip():
        return ErrorKind.EMPTY_CONTENT
    if not attempt.results:
        return "not scored (no detector ran)"
    failing = sorted({r.detector for r in attempt.results if r.outcome is Outcome.UNSCORABLE})
    return f"could not score ({', '.join(failing)})"


def target_where(described: Mapping[str, Any]) -> str:
    """A short name of the target for messages: its URL, model file or command."""
    for key in ("url", "base_url", "model_file", "command", "name"):
        value = described.get(key)
        if value:
            return " ".join(value) if isinstance(value, list) else str(value)
    return str(described.get("type") or "the target")


@dataclass(frozen=True)
class RunOutcome:
    """Counts of a run's attempts, and the causes of those not scored (most common first)."""

    total: int
    scored: int
    errors: int
    unscorable: int
    causes: tuple[tuple[str, int], ...]
    where: str

    @property
    def measured(self) -> bool:
        """True if at least one attempt was scored, so a rate exists."""
        return self.scored > 0

    @property
    def unscored(self) -> int:
        return self.total - self.scored

    def causes_text(self) -> str:
        """E.g. ``54 of 54 attempts: connection refused at http://127.0.0.1:9/v1``."""
        if not self.total:
            return f"no attempt was logged for {self.where}"
        if not self.causes:
            return f"all {self.total} attempts scored"
        if len(self.causes) == 1:
            kind, count = self.causes[0]
            return f"{count} of {self.total} attempts: {kind} at {self.where}"
        parts = ", ".join(f"{count} {kind}" for kind, count in self.causes)
        return f"{self.unscored} of {self.total} attempts not scored at {self.where}: {parts}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "attempts": self.total,
            "scored": self.scored,
            "errors": self.errors,
            "unscorable": self.unscorable,
            "measured": self.measured,
            "causes": dict(self.causes),
            "target": self.where,
        }


def run_outcome(attempts: Sequence[Attempt], described: Mapping[str, Any]) -> RunOutcome:
    """Count ``attempts`` (the latest record per id) and the causes of the unscored ones."""
    causes: Counter[str] = Counter()
    scored = errors = unscorable = 0
    for attempt in attempts:
        cause = cause_of(attempt)
        if cause is None:
            scored += 1
            continue
        causes[cause] += 1
        if attempt.status is AttemptStatus.ERROR:
            errors += 1
        else:
            unscorable += 1
    ordered = tuple(sorted(causes.items(), key=lambda item: (-item[1], item[0])))
    return RunOutcome(len(attempts), scored, errors, unscorable, ordered, target_where(described))
