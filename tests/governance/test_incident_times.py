"""Times of an incident and of its notification checked against each other (issue #21)."""

from __future__ import annotations

import datetime as dt

import pytest

from ombud.governance import InvalidInput
from ombud.governance.incidents import CLOCK_SKEW, check_incident_times, check_notification_time

AWARE = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
NOW = AWARE + dt.timedelta(days=3)


def test_a_notification_between_awareness_and_now_is_kept_in_utc() -> None:
    zone = dt.timezone(dt.timedelta(hours=2))
    at = (AWARE + dt.timedelta(hours=5)).astimezone(zone)
    assert check_notification_time(at, aware_at=AWARE, now=NOW) == AWARE + dt.timedelta(hours=5)
    assert check_notification_time(AWARE, aware_at=AWARE, now=NOW) == AWARE


def test_a_notification_before_awareness_is_refused() -> None:
    # 10:30 at +02:00 is 08:30 UTC: half an hour before the organisation became aware.
    at = dt.datetime(2026, 11, 2, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    with pytest.raises(InvalidInput, match="before the organisation became aware"):
        check_notification_time(at, aware_at=AWARE, now=NOW)


def test_small_clock_skew_is_allowed_a_future_time_is_not() -> None:
    assert dt.timedelta(minutes=5) == CLOCK_SKEW
    slightly_fast = NOW + dt.timedelta(minutes=4)
    assert check_notification_time(slightly_fast, aware_at=AWARE, now=NOW) == slightly_fast
    check_incident_times(occurred_at=None, detected_at=AWARE, aware_at=slightly_fast, now=NOW)
    with pytest.raises(InvalidInput, match="in the future"):
        check_notification_time(NOW + dt.timedelta(minutes=6), aware_at=AWARE, now=NOW)
    with pytest.raises(InvalidInput, match=r"awareness time .* is after now"):
        check_incident_times(
            occurred_at=None, detected_at=AWARE, aware_at=NOW + dt.timedelta(hours=1), now=NOW
        )


def test_a_notification_time_needs_a_zone() -> None:
    with pytest.raises(InvalidInput, match="no time zone"):
        check_notification_time(dt.datetime(2026, 11, 3), aware_at=AWARE, now=NOW)
