"""Incidents and the EU AI Act Art. 73 reporting clock.

When a high-risk AI system causes a serious incident, the provider (and a deployer who
finds it) must report it to the market surveillance authority within a number of days
that runs from the moment they became aware of it. The clock is a pure function of
that moment and of what kind of incident it is, so it is computed here and shown
wherever the incident is shown, never stored where it could go stale.

Day counts (our paraphrase of Regulation (EU) 2024/1689, Art. 73):

- Art. 73(2): the general case: at the latest 15 days after awareness;
- Art. 73(4): if a person died: at the latest 10 days after awareness;
- Art. 73(3): a widespread infringement (Art. 3(61)) or a serious and irreversible
  disruption of the management or operation of critical infrastructure
  (Art. 3(49)(b)): at the latest 2 days after awareness.

Each is an outer limit: the article asks for a report immediately once a causal link
(or its reasonable likelihood) is established. When several cases apply, the shortest
limit wins. We count N x 24 hours from the recorded awareness time and do not extend
a limit that ends on a weekend or holiday (as the general EU rule on time limits,
Regulation 1182/71, would): the clock never tells anyone they have more time than the
strictest reading gives them.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from enum import StrEnum

from ombud.governance.errors import DomainError, InvalidInput

__all__ = [
    "Art73Case",
    "IncidentSeverity",
    "IncidentStatus",
    "ReportingClock",
    "ReportingDuty",
    "art73_case",
    "check_incident_open",
    "check_incident_times",
    "check_notification_time",
    "parse_incident_severity",
    "reporting_clock",
    "reporting_duty",
]


class IncidentSeverity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class IncidentStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Art73Case(StrEnum):
    """Which paragraph of Art. 73 sets the reporting limit."""

    GENERAL = "general"
    DEATH = "death"
    WIDESPREAD_OR_CRITICAL_INFRASTRUCTURE = "widespread_or_critical_infrastructure"

    @property
    def days(self) -> int:
        return _DAYS[self]

    @property
    def citation(self) -> str:
        return _CITATION[self]


_DAYS = {
    Art73Case.GENERAL: 15,
    Art73Case.DEATH: 10,
    Art73Case.WIDESPREAD_OR_CRITICAL_INFRASTRUCTURE: 2,
}
_CITATION = {
    Art73Case.GENERAL: "EU AI Act Art. 73(2): report within 15 days of awareness",
    Art73Case.DEATH: "EU AI Act Art. 73(4): a death; report within 10 days of awareness",
    Art73Case.WIDESPREAD_OR_CRITICAL_INFRASTRUCTURE: (
        "EU AI Act Art. 73(3): widespread infringement or serious and irreversible "
        "disruption of critical infrastructure; report within 2 days of awareness"
    ),
}


def parse_incident_severity(value: str) -> IncidentSeverity:
    try:
        return IncidentSeverity(value.strip().lower())
    except ValueError:
        allowed = ", ".join(s.value for s in IncidentSeverity)
        raise InvalidInput(
            f"incident severity '{value}' is unknown; use one of: {allowed}"
        ) from None


def art73_case(
    *, serious: bool, death: bool, widespread_infringement: bool, critical_infrastructure: bool
) -> Art73Case | None:
    """The paragraph that applies, the shortest limit first; None if nothing is reportable."""
    if widespread_infringement or critical_infrastructure:
        return Art73Case.WIDESPREAD_OR_CRITICAL_INFRASTRUCTURE
    if death:
        return Art73Case.DEATH
    if serious:
        return Art73Case.GENERAL
    return None


@dataclass(frozen=True)
class ReportingClock:
    case: Art73Case
    aware_at: dt.datetime
    deadline: dt.datetime
    #: When the first notification was made, if it was.
    notified_at: dt.datetime | None
    #: Time left at ``now`` (negative once overdue); measured to the notification if made.
    remaining: dt.timedelta

    @property
    def days(self) -> int:
        return self.case.days

    @property
    def citation(self) -> str:
        return self.case.citation

    @property
    def overdue(self) -> bool:
        return self.remaining < dt.timedelta(0)

    @property
    def remaining_seconds(self) -> int:
        """``remaining`` in whole seconds (what the JSON and the pages show)."""
        return int(self.remaining.total_seconds())

    @property
    def state(self) -> str:
        """running, overdue, notified_in_time or notified_late."""
        if self.notified_at is None:
            return "overdue" if self.overdue else "running"
        return "notified_late" if self.overdue else "notified_in_time"

    def to_dict(self) -> dict[str, object]:
        return {
            "case": self.case.value,
            "days": self.days,
            "citation": self.citation,
            "aware_at": self.aware_at.isoformat(),
            "deadline": self.deadline.isoformat(),
            "notified_at": self.notified_at.isoformat() if self.notified_at else None,
            "remaining_seconds": self.remaining_seconds,
            "state": self.state,
        }


def _aware(value: dt.datetime, what: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"{what} {value.isoformat()} has no time zone; give one, e.g. +00:00")
    return value


def reporting_clock(
    case: Art73Case,
    aware_at: dt.datetime,
    now: dt.datetime,
    notified_at: dt.datetime | None = None,
) -> ReportingClock:
    """The Art. 73 limit for ``case`` counted from ``aware_at``, read at ``now``."""
    aware = _aware(aware_at, "awareness time")
    deadline = aware + dt.timedelta(days=case.days)
    until = _aware(notified_at, "notification time") if notified_at else _aware(now, "now")
    return ReportingClock(
        case=case,
        aware_at=aware,
        deadline=deadline,
        notified_at=notified_at,
        remaining=deadline - until,
    )


#: How far ahead of this machine's clock a given time may be: another machine's clock
#: (the reporter's laptop, a form filled in a browser) may run a little fast.
CLOCK_SKEW = dt.timedelta(minutes=5)


def check_incident_times(
    *,
    occurred_at: dt.datetime | None,
    detected_at: dt.datetime,
    aware_at: dt.datetime,
    now: dt.datetime,
) -> None:
    """Occurrence ≤ detection ≤ awareness ≤ now (+ clock skew); else a typo to fix."""
    times = [("detection", _aware(detected_at, "detection time"))]
    if occurred_at is not None:
        times.insert(0, ("occurrence", _aware(occurred_at, "occurrence time")))
    times += [("awareness", _aware(aware_at, "awareness time")), ("now", now + CLOCK_SKEW)]
    for (first, a), (second, b) in itertools.pairwise(times):
        if a > b:
            raise InvalidInput(
                f"{first} time {a.isoformat()} is after {second} time {b.isoformat()}; "
                "check the dates (--occurred, --detected, --aware)"
            )


def check_notification_time(
    notified_at: dt.datetime, *, aware_at: dt.datetime, now: dt.datetime
) -> dt.datetime:
    """A notification lies between awareness and now (+ clock skew); returned in UTC.

    Art. 73's clock runs from awareness, and an organisation cannot report what it did
    not yet know: an earlier time is a typo (often a wrong day or time zone).
    """
    when = _aware(notified_at, "notification time").astimezone(dt.UTC)
    aware = _aware(aware_at, "awareness time")
    if when < aware:
        raise InvalidInput(
            f"notification time {when.isoformat()} is before the organisation became aware "
            f"of the incident ({aware.astimezone(dt.UTC).isoformat()}); check --at "
            "(date, time and time zone)"
        )
    if when > now + CLOCK_SKEW:
        raise InvalidInput(
            f"notification time {when.isoformat()} is in the future (now is "
            f"{now.isoformat()}); record a notification once it is made"
        )
    return when


def check_incident_open(incident_id: int, status: IncidentStatus, doing: str) -> None:
    if status == IncidentStatus.CLOSED:
        raise DomainError(
            f"incident {incident_id} is closed; cannot {doing} (a closed incident is final; "
            "report a new incident if it recurred)"
        )


@dataclass(frozen=True)
class ReportingDuty:
    """Who must tell whom about a serious incident, by operator role and incident date.

    The Art. 73 periods bind the provider. A deployer's own duty is Art. 26(5): inform
    the provider immediately, then the importer or distributor and the market
    surveillance authority; only if it cannot reach the provider does Art. 73 apply to
    it. Both are duties of a *high-risk* system, so they bind only once the system's
    high-risk duties apply on the incident date (amended Art. 113; docs/findings-incidents.md).
    """

    system_id: str
    role: str
    rule: str
    citation: str
    first_step: str
    #: True/False: whether the duty applies on the incident date; None: system unclassified.
    in_force: bool | None
    applies_from: dt.date | None
    date_rule: str

    def to_dict(self) -> dict[str, object]:
        return {
            "system_id": self.system_id,
            "role": self.role,
            "rule": self.rule,
            "citation": self.citation,
            "first_step": self.first_step,
            "in_force": self.in_force,
            "applies_from": self.applies_from.isoformat() if self.applies_from else None,
            "date_rule": self.date_rule,
        }


_DEPLOYER_STEP = (
    "inform the provider immediately, then the importer or distributor and the market "
    "surveillance authority; if the provider cannot be reached, Art. 73 applies to you"
)
_PROVIDER_STEP = (
    "report to the market surveillance authority of the member state where it occurred, "
    "within the Art. 73 limit shown"
)


def reporting_duty(
    system_id: str,
    role: str | None,
    aware_on: dt.date,
    applies_from: dt.date | None,
    classified: bool,
) -> ReportingDuty:
    """The duty for one system: ``applies_from`` is when its Art. 73 (provider) or
    Art. 26 (deployer) obligation applies in its latest classification (None: it has none)."""
    deployer = role == "deployer"
    rule, citation, step = (
        ("art_26_5", "EU AI Act Art. 26(5)", _DEPLOYER_STEP)
        if deployer
        else ("art_73", "EU AI Act Art. 73(1)-(4)", _PROVIDER_STEP)
    )
    if not classified:
        in_force, when = (
            None,
            "the system is not classified; the limit is shown as the strictest reading",
        )
    elif applies_from is None:
        in_force = False
        when = (
            "the latest classification carries no such duty (not high-risk for this role); "
            "the clock is an internal target only"
        )
    elif applies_from <= aware_on:
        in_force = True
        when = f"applies: the system's high-risk duties apply since {applies_from.isoformat()}"
    else:
        in_force = False
        when = (
            f"not yet due on {aware_on.isoformat()}: the system's high-risk duties apply from "
            f"{applies_from.isoformat()} (amended Art. 113); the clock is an internal target"
        )
    return ReportingDuty(system_id, role or "unknown", rule, citation, step, in_force,
                         applies_from, when)  # fmt: skip
