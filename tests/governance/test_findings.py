"""Pure rules of findings: status moves, separation of duties, dates, import rows."""

from __future__ import annotations

import datetime as dt

import pytest

from ombud.governance import DomainError, InvalidInput, PermissionDenied
from ombud.governance.findings import (
    FINDING_MOVES,
    FindingSeverity,
    FindingStatus,
    ImportDefaults,
    check_due_date,
    check_finding_move,
    check_risk_expiry,
    is_overdue,
    parse_import_record,
)

S = FindingStatus
TODAY = dt.date(2026, 11, 26)


def _move(source: S, target: S, actor: str, roles: set[str], resolver: str | None = None) -> None:
    check_finding_move(
        finding_id=7,
        source=source,
        target=target,
        actor=actor,
        actor_roles=roles,
        owner="olivia",
        resolver=resolver,
    )


def test_verified_is_final_and_unknown_moves_are_named() -> None:
    assert not [m for m in FINDING_MOVES if m.source == S.VERIFIED]
    with pytest.raises(DomainError, match="from verified it may go to: nothing"):
        _move(S.VERIFIED, S.OPEN, "lena", {"rai_lead"})
    with pytest.raises(DomainError, match="cannot go from open to verified"):
        _move(S.OPEN, S.VERIFIED, "audrey", {"auditor"})


def test_owner_works_but_never_verifies_or_accepts() -> None:
    _move(S.OPEN, S.IN_REMEDIATION, "olivia", {"owner"})
    _move(S.IN_REMEDIATION, S.RESOLVED, "olivia", {"owner"})
    with pytest.raises(PermissionDenied, match="separation of duties"):
        _move(S.RESOLVED, S.VERIFIED, "olivia", {"rai_lead"}, resolver="olivia")
    with pytest.raises(PermissionDenied, match="separation of duties"):
        _move(S.RESOLVED, S.VERIFIED, "lena", {"rai_lead"}, resolver="lena")
    _move(S.RESOLVED, S.VERIFIED, "audrey", {"auditor"}, resolver="lena")
    with pytest.raises(PermissionDenied, match=r"accept the risk of finding .7.*assignee"):
        _move(S.OPEN, S.RISK_ACCEPTED, "olivia", {"rai_lead"})
    with pytest.raises(PermissionDenied, match="rai_lead"):
        _move(S.OPEN, S.RISK_ACCEPTED, "root", {"admin"})
    with pytest.raises(PermissionDenied, match="the assignee"):
        _move(S.OPEN, S.RESOLVED, "rick", {"reviewer"})


def test_dates() -> None:
    check_due_date(TODAY, TODAY)
    with pytest.raises(InvalidInput, match="2026-11-25 is in the past"):
        check_due_date(TODAY - dt.timedelta(days=1), TODAY)
    check_risk_expiry(TODAY + dt.timedelta(days=365), TODAY)
    with pytest.raises(InvalidInput, match="more than 365 days"):
        check_risk_expiry(TODAY + dt.timedelta(days=366), TODAY)
    with pytest.raises(InvalidInput, match="must be after today"):
        check_risk_expiry(TODAY, TODAY)


@pytest.mark.parametrize(
    ("status", "due_offset", "expiry_offset", "expected"),
    [
        (S.OPEN, -1, None, True),
        (S.OPEN, 0, None, False),  # due today is not yet overdue
        (S.IN_REMEDIATION, -30, None, True),
        (S.RESOLVED, -30, None, False),  # waiting for verification is not overdue work
        (S.RISK_ACCEPTED, -30, 1, False),
        (S.RISK_ACCEPTED, 30, 0, True),  # the acceptance ended today
    ],
)
def test_overdue(status: S, due_offset: int, expiry_offset: int | None, expected: bool) -> None:
    expiry = TODAY + dt.timedelta(days=expiry_offset) if expiry_offset is not None else None
    assert is_overdue(status, TODAY + dt.timedelta(days=due_offset), expiry, TODAY) is expected


def test_import_record_mapping_and_errors() -> None:
    defaults = ImportDefaults(system_id="credit", owner="olivia", due_date=TODAY)
    spec = parse_import_record(
        "r.csv row 2",
        {"TITLE": " Weak consent ", "Severity": "Informational", "Version": "1.0"},
        defaults,
        TODAY,
    )
    assert spec.title == "Weak consent"
    assert spec.severity == FindingSeverity.LOW
    assert spec.version_label == "1.0"
    assert spec.source_ref == "r.csv row 2"
    none = ImportDefaults(system_id=None, owner=None, due_date=None)
    with pytest.raises(InvalidInput, match=r"^r\.csv row 4: column 'system' is empty.*--system"):
        parse_import_record(
            "r.csv row 4", {"title": "t", "severity": "low", "due_date": "2030-01-01"}, none, TODAY
        )
    with pytest.raises(InvalidInput, match=r"^r\.csv row 5: due_date '31/12/2030' is not a date"):
        parse_import_record(
            "r.csv row 5", {"title": "t", "severity": "low", "due_date": "31/12/2030"}, none, TODAY
        )
    with pytest.raises(InvalidInput, match=r"^x item 1: severity 'urgent' is unknown"):
        parse_import_record("x item 1", {"title": "t", "severity": "urgent"}, defaults, TODAY)
