"""The dashboard's change-keyed cache: never stale for the record, bounded for clocks.

Oracle: the services themselves. After any write through a service, the page must show
what a fresh computation shows; without a write, the kept value is reused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from ombud.services import incidents
from ombud.services.context import AppContext
from ombud.web._cache import ChangeKeyedCache

from ._seed import Seeded

Login = Callable[[str], tuple[TestClient, str]]


def _counting(calls: list[int]) -> Callable[[AppContext], dict[str, Any]]:
    def compute(_: AppContext) -> dict[str, Any]:
        calls.append(1)
        return {"n": len(calls)}

    return compute


def test_kept_until_the_audit_log_moves_or_the_value_ages(
    context: AppContext, seeded: Seeded
) -> None:
    calls: list[int] = []
    cache = ChangeKeyedCache(max_age_seconds=3600)
    assert cache.get("x", context, _counting(calls)) == {"n": 1}
    assert cache.get("x", context, _counting(calls)) == {"n": 1}  # nothing changed
    incidents.report_incident(
        context,
        context.actor("omar"),
        title="Drift alarm",
        description="Scores moved.",
        severity="low",
        system_ids=[seeded.other_system],
        detected_at=dt.datetime.now(dt.UTC),
        aware_at=dt.datetime.now(dt.UTC),
    )
    assert cache.get("x", context, _counting(calls)) == {"n": 2}  # a write moved the key
    aged = ChangeKeyedCache(max_age_seconds=0)
    aged.get("x", context, _counting(calls))
    aged.get("x", context, _counting(calls))
    assert len(calls) == 4  # clocks: a value older than max_age is recomputed
    copy = cache.get("x", context, _counting(calls))
    copy["n"] = 99
    assert cache.get("x", context, _counting(calls)) == {"n": 2}


def test_the_dashboard_shows_a_new_incident_at_once(
    as_user: Login, context: AppContext, seeded: Seeded
) -> None:
    client, _ = as_user("lena")
    assert "Model answered in the wrong language" not in client.get("/").text
    incidents.report_incident(
        context,
        context.actor("omar"),
        title="Model answered in the wrong language",
        description="Seen in the support queue.",
        severity="high",
        system_ids=[seeded.other_system],
        detected_at=dt.datetime.now(dt.UTC),
        aware_at=dt.datetime.now(dt.UTC),
    )
    assert "Model answered in the wrong language" in client.get("/").text
