"""The Art. 73 reporting clock against hand-computed dates.

Oracle: the day counts of Regulation (EU) 2024/1689 Art. 73 — 15 days (para. 2), 10 days
on a death (para. 4), 2 days for a widespread infringement or a serious and irreversible
disruption of critical infrastructure (para. 3) — counted by hand on a calendar.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ombud.governance import DomainError, InvalidInput
from ombud.governance.incidents import (
    Art73Case,
    IncidentStatus,
    art73_case,
    check_incident_open,
    check_incident_times,
    reporting_clock,
    reporting_duty,
)

UTC = dt.UTC
AWARE = dt.datetime(2026, 2, 20, 9, 30, tzinfo=UTC)  # a Friday, across the end of February


@pytest.mark.parametrize(
    ("case", "deadline", "paragraph"),
    [
        # 20 Feb + 15 days: 8 days left in February (21..28), then 7 into March -> 7 March.
        (Art73Case.GENERAL, dt.datetime(2026, 3, 7, 9, 30, tzinfo=UTC), "73(2)"),
        # 20 Feb + 10 days: 21..28 Feb is 8 days, then 1 and 2 March -> 2 March.
        (Art73Case.DEATH, dt.datetime(2026, 3, 2, 9, 30, tzinfo=UTC), "73(4)"),
        # 20 Feb + 2 days -> Sunday 22 Feb; no weekend extension (strictest reading).
        (
            Art73Case.WIDESPREAD_OR_CRITICAL_INFRASTRUCTURE,
            dt.datetime(2026, 2, 22, 9, 30, tzinfo=UTC),
            "73(3)",
        ),
    ],
)
def test_deadline_per_paragraph(case: Art73Case, deadline: dt.datetime, paragraph: str) -> None:
    now = dt.datetime(2026, 2, 21, 9, 30, tzinfo=UTC)
    clock = reporting_clock(case, AWARE, now)
    assert clock.deadline == deadline
    assert paragraph in clock.citation
    assert clock.remaining == deadline - now
    assert clock.state == "running"


def test_leap_year_and_time_zone() -> None:
    """28 Feb 2028 (leap year) + 2 days = 1 March 2028, 23:00 at +01:00 is 22:00 UTC."""
    aware = dt.datetime(2028, 2, 28, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    clock = reporting_clock(Art73Case.WIDESPREAD_OR_CRITICAL_INFRASTRUCTURE, aware, aware)
    assert clock.deadline.astimezone(UTC) == dt.datetime(2028, 3, 1, 22, 0, tzinfo=UTC)
    assert clock.remaining == dt.timedelta(days=2)


def test_overdue_and_notification_states() -> None:
    late_now = dt.datetime(2026, 3, 8, 9, 30, tzinfo=UTC)  # one day past 7 March
    clock = reporting_clock(Art73Case.GENERAL, AWARE, late_now)
    assert clock.overdue
    assert clock.state == "overdue"
    assert clock.remaining == -dt.timedelta(days=1)
    on_time = reporting_clock(
        Art73Case.GENERAL, AWARE, late_now, dt.datetime(2026, 3, 6, tzinfo=UTC)
    )
    assert on_time.state == "notified_in_time"
    late = reporting_clock(Art73Case.DEATH, AWARE, late_now, dt.datetime(2026, 3, 3, tzinfo=UTC))
    assert late.state == "notified_late"
    # deadline 2 March 09:30, notified 3 March 00:00: 14 h 30 min late
    assert late.to_dict()["remaining_seconds"] == -(14 * 3600 + 30 * 60)


def test_the_shortest_applicable_limit_wins() -> None:
    flags = {"serious": True, "death": True, "critical_infrastructure": False}
    assert art73_case(widespread_infringement=False, **flags) == Art73Case.DEATH
    assert art73_case(widespread_infringement=True, **flags).days == 2  # type: ignore[union-attr]
    none = art73_case(
        serious=False, death=False, widespread_infringement=False, critical_infrastructure=False
    )
    assert none is None
    assert (
        art73_case(
            serious=False, death=False, widespread_infringement=False, critical_infrastructure=True
        )
        == Art73Case.WIDESPREAD_OR_CRITICAL_INFRASTRUCTURE
    )


@given(
    minutes=st.integers(min_value=0, max_value=60 * 24 * 400),
    case=st.sampled_from(list(Art73Case)),
)
def test_remaining_plus_elapsed_is_the_limit(minutes: int, case: Art73Case) -> None:
    """Property: time left + time elapsed since awareness = the paragraph's day count."""
    now = AWARE + dt.timedelta(minutes=minutes)
    clock = reporting_clock(case, AWARE, now)
    assert clock.remaining + (now - AWARE) == dt.timedelta(days=case.days)
    assert clock.overdue == (minutes > case.days * 24 * 60)


def test_bad_times_are_refused() -> None:
    with pytest.raises(InvalidInput, match="no time zone"):
        reporting_clock(Art73Case.GENERAL, dt.datetime(2026, 1, 1), AWARE)
    with pytest.raises(InvalidInput, match=r"detection time .* is after awareness time"):
        check_incident_times(
            occurred_at=None,
            detected_at=AWARE + dt.timedelta(hours=1),
            aware_at=AWARE,
            now=AWARE + dt.timedelta(days=1),
        )
    with pytest.raises(InvalidInput, match=r"awareness time .* is after now"):
        check_incident_times(
            occurred_at=None, detected_at=AWARE, aware_at=AWARE, now=AWARE - dt.timedelta(1)
        )
    with pytest.raises(DomainError, match="incident 4 is closed; cannot record a notification"):
        check_incident_open(4, IncidentStatus.CLOSED, "record a notification")


# --- Reporting duty by operator role and incident date (Art. 26(5), Art. 73, Art. 113) ---


def test_the_provider_reports_under_art_73_once_its_duties_apply() -> None:
    day = dt.date(2027, 12, 2)
    duty = reporting_duty("credit", "provider", day, day, classified=True)
    assert (duty.rule, duty.in_force) == ("art_73", True)
    assert "Art. 73" in duty.citation
    eve = reporting_duty("credit", "provider", day - dt.timedelta(days=1), day, classified=True)
    assert eve.in_force is False
    assert "not yet due on 2027-12-01" in eve.date_rule


def test_a_deployer_informs_the_provider_immediately() -> None:
    duty = reporting_duty("hiring", "deployer", dt.date(2028, 1, 5), dt.date(2027, 12, 2), True)
    assert (duty.rule, duty.citation, duty.in_force) == ("art_26_5", "EU AI Act Art. 26(5)", True)
    assert duty.first_step.startswith("inform the provider immediately")


def test_an_unclassified_or_not_high_risk_system_has_no_legal_clock() -> None:
    unknown = reporting_duty("x", None, dt.date(2028, 1, 5), None, classified=False)
    assert (unknown.role, unknown.in_force) == ("unknown", None)
    minimal = reporting_duty("x", "provider", dt.date(2028, 1, 5), None, classified=True)
    assert minimal.in_force is False
