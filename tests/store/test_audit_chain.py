"""Tamper tests of the audit chain, on SQLite and the real PostgreSQL.

The attacker here has database-administrator rights (they can disable the append-only
trigger and rewrite rows) but not the workspace's chain key. Each test makes one kind
of change and checks that verification names the first event that no longer fits.
"""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from ombud.governance import SystemProfile
from ombud.services import audit_log, systems
from ombud.services.context import AppContext
from ombud.store.audit import canonical_json, event_hash


def _profile(owner: str = "ada") -> SystemProfile:
    return SystemProfile(
        name="Spam filter",
        purpose="Flags spam e-mail",
        owner=owner,
        owner_team="it",
        domain="internal_productivity",
        kind="decision_model",
        operator_role="deployer",
        automation="fully_automated",
    )


@pytest.fixture
def busy_log(context: AppContext) -> AppContext:
    actor = context.actor("ada")
    systems.register_system(context, actor, "spam-filter", _profile())
    systems.update_system(context, actor, "spam-filter", {"business_unit": "IT"})
    systems.add_version(context, actor, "spam-filter", "1.0")
    systems.transition_system(context, actor, "spam-filter", "in_review", "ready")
    report = audit_log.verify_log(context)
    assert report.ok, report.problem
    assert report.events == 6  # init, admin user, register, update, version, transition
    return context


def _as_dba(context: AppContext, *statements: str) -> None:
    """Run statements with the append-only trigger out of the way, as a DBA could."""
    with context.engine.begin() as conn:
        _disable_trigger(conn)
        for statement in statements:
            conn.execute(text(statement))


def _disable_trigger(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    else:
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))


def test_the_application_cannot_update_or_delete_events(busy_log: AppContext) -> None:
    for statement in (
        "UPDATE audit_events SET actor = 'x' WHERE seq = 2",
        "DELETE FROM audit_events WHERE seq = 2",
    ):
        with pytest.raises(DBAPIError, match="append-only"), busy_log.engine.begin() as conn:
            conn.execute(text(statement))
    assert audit_log.verify_log(busy_log).ok


def test_edited_row_is_detected(busy_log: AppContext) -> None:
    _as_dba(busy_log, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 3")
    report = audit_log.verify_log(busy_log)
    assert not report.ok
    assert report.first_bad_seq == 3
    assert "altered or forged" in report.problem


def test_deleted_row_in_the_middle_is_detected(busy_log: AppContext) -> None:
    _as_dba(busy_log, "DELETE FROM audit_events WHERE seq = 4")
    report = audit_log.verify_log(busy_log)
    assert (report.ok, report.first_bad_seq) == (False, 4)
    assert "missing" in report.problem


def test_deleted_last_row_is_detected_through_the_head(busy_log: AppContext) -> None:
    _as_dba(busy_log, "DELETE FROM audit_events WHERE seq = 6")
    report = audit_log.verify_log(busy_log)
    assert (report.ok, report.first_bad_seq) == (False, 6)
    assert "head" in report.problem


def test_reordered_rows_are_detected(busy_log: AppContext) -> None:
    _as_dba(
        busy_log,
        "UPDATE audit_events SET seq = 1000 WHERE seq = 3",
        "UPDATE audit_events SET seq = 3 WHERE seq = 4",
        "UPDATE audit_events SET seq = 4 WHERE seq = 1000",
    )
    report = audit_log.verify_log(busy_log)
    assert (report.ok, report.first_bad_seq) == (False, 3)


def _forged_fields(busy_log: AppContext, seq: int, prev_hash: str) -> dict[str, object]:
    return {
        "seq": seq,
        "event_id": f"00000000-0000-0000-0000-{seq:012d}",
        "at": "2026-01-01T00:00:00.000000+00:00",
        "actor": "mallory",
        "action": "system.transition",
        "entity_type": "ai_system",
        "entity_id": "spam-filter",
        "before_digest": None,
        "after_digest": None,
        "request_id": "forged",
        "details": {"to": "deployed"},
        "prev_hash": prev_hash,
    }


def _insert(busy_log: AppContext, fields: dict[str, object], hash_: str) -> None:
    with busy_log.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_events (seq, event_id, at, actor, action, entity_type, "
                "entity_id, before_digest, after_digest, request_id, details, prev_hash, hash) "
                "VALUES (:seq, :event_id, :at, :actor, :action, :entity_type, :entity_id, "
                ":before_digest, :after_digest, :request_id, :details, :prev_hash, :hash)"
            ),
            {**fields, "details": canonical_json(fields["details"]), "hash": hash_},
        )
        conn.execute(
            text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": fields["seq"], "h": hash_}
        )


def test_forged_row_appended_with_a_recomputed_chain_is_detected(busy_log: AppContext) -> None:
    head = audit_log.verify_log(busy_log).head_hash
    fields = _forged_fields(busy_log, 7, head)
    # Without the workspace key the forger can only guess: plain sha256, or HMAC with another key.
    plain = hashlib.sha256(canonical_json(fields).encode()).hexdigest()
    _insert(busy_log, fields, plain)
    report = audit_log.verify_log(busy_log)
    assert (report.ok, report.first_bad_seq) == (False, 7)
    assert "forged" in report.problem


def test_forged_row_with_the_wrong_key_is_detected(busy_log: AppContext) -> None:
    head = audit_log.verify_log(busy_log).head_hash
    fields = _forged_fields(busy_log, 7, head)
    _insert(busy_log, fields, event_hash(b"not-the-workspace-key", fields))
    assert audit_log.verify_log(busy_log).first_bad_seq == 7


def test_a_row_forged_with_the_real_key_verifies(busy_log: AppContext) -> None:
    """Control: the same insertion with the real key passes, so the tests above test the key."""
    head = audit_log.verify_log(busy_log).head_hash
    fields = _forged_fields(busy_log, 7, head)
    _insert(busy_log, fields, event_hash(busy_log.chain_key, fields))
    assert audit_log.verify_log(busy_log).ok
