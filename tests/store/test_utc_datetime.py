"""Every backend returns aware UTC datetimes, so services need no per-field patching.

Oracle: the moment written, compared after a round trip through SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import StatementError

from ombud.services.context import AppContext
from ombud.store.models import UserRow


def test_round_trip_is_aware_utc_and_naive_is_refused(context: AppContext) -> None:
    written = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    with context.sessions() as session, session.begin():
        session.add(
            UserRow(
                username="tz-user",
                display_name="t",
                email="",
                roles=["owner"],
                os_username=None,
                active=True,
                created_at=written,
            )
        )
    with context.read() as session:
        user = session.get(UserRow, "tz-user")
        assert user is not None
        assert user.created_at == written
        assert user.created_at.utcoffset() == dt.timedelta(0)
    with (
        pytest.raises(StatementError, match="naive datetime"),
        context.sessions() as session,
        session.begin(),
    ):
        session.add(
            UserRow(
                username="naive-user",
                display_name="n",
                email="",
                roles=["owner"],
                os_username=None,
                active=True,
                created_at=dt.datetime(2026, 3, 1),
            )
        )
