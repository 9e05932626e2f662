"""The audit log vouches for the records and is anchored outside its database.

On SQLite and the real PostgreSQL. The attacker holds the database (and, for the
truncation case, the chain key too): they can drop the append-only trigger, edit business
rows, delete the newest events and rewrite the head. Oracles: the raw row edited with
plain SQL must be named by ``verify --state``; a checkpoint signed before a truncation
must be refused by ``verify --checkpoints`` although the shortened chain itself verifies.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from ombud.governance import InvalidInput, PermissionDenied
from ombud.records import EvidenceDraft, Verdict
from ombud.services import audit_log, evidence, gates, workspaces
from ombud.services.context import AppContext, open_context
from ombud.store import Workspace, open_workspace
from ombud.store.checkpoint import CheckpointError, generate_key
from ombud.store.models import AISystemRow

from ._systems import HIRING_ANSWERS, register_classified, screening_profile


def _draft() -> EvidenceDraft:
    return EvidenceDraft(
        kind="fairness_audit",
        summary="selection rates by sex",
        engine="test",
        engine_version="1",
        metrics={"fairness.sex.selection_rate.ratio_min": 0.9},
        verdicts={"fairness.sex.selection_rate.four_fifths": Verdict.PASS},
    )


@pytest.fixture
def record(context: AppContext) -> AppContext:
    """A classified system with one evidence record, written only through the services."""
    workspaces.add_user(context, context.actor("ada"), username="olivia", roles=["owner"])
    register_classified(context, "olivia", "screening", screening_profile("olivia"), HIRING_ANSWERS)
    evidence.record_evidence(context, context.actor("olivia"), "screening", "1.0", _draft())
    return context


def _disable_trigger(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    else:
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))


def _as_dba(context: AppContext, *statements: str) -> None:
    with context.engine.begin() as conn:
        _disable_trigger(conn)
        for statement in statements:
            conn.execute(text(statement))


def test_records_written_through_the_services_match_the_log(record: AppContext) -> None:
    report = audit_log.verify_state(record)
    assert report.ok, [p.message for p in report.problems]
    # users ada + olivia, the system, its version, its classification, the evidence
    assert report.rows >= 6


def test_an_evidence_verdict_edited_in_the_database_is_named(record: AppContext) -> None:
    with record.engine.begin() as conn:
        evidence_id = conn.execute(text("SELECT id FROM evidence")).scalar_one()
        conn.execute(
            text("UPDATE evidence SET verdicts = :v WHERE id = :id"),
            {
                "v": json.dumps({"fairness.sex.selection_rate.four_fifths": "fail"}),
                "id": evidence_id,
            },
        )
    assert audit_log.verify_log(record).ok  # the chain itself is untouched
    report = audit_log.verify_state(record)
    assert not report.ok
    [problem] = report.problems
    assert problem.key == f"evidence:{evidence_id}"
    assert problem.kind == "edited"
    assert problem.seq is not None
    assert f"event #{problem.seq}" in problem.message


def test_a_tier_edited_deleted_or_inserted_row_is_named(record: AppContext) -> None:
    with record.engine.begin() as conn:
        conn.execute(text("UPDATE classifications SET tier = 4"))
        conn.execute(text("DELETE FROM evidence"))
        conn.execute(
            text(
                "INSERT INTO users (username, display_name, email, roles, active, created_at) "
                "SELECT 'mallory', 'M', '', roles, active, created_at FROM users "
                "WHERE username = 'ada'"
            )
        )
    kinds = {(p.key.split(":")[0], p.kind) for p in audit_log.verify_state(record).problems}
    assert kinds == {
        ("classifications", "edited"),
        ("evidence", "deleted"),
        ("users", "unrecorded"),
    }


def test_a_forged_state_digest_breaks_the_chain(record: AppContext) -> None:
    _as_dba(record, "UPDATE audit_events SET state = NULL WHERE state IS NOT NULL")
    report = audit_log.verify_log(record)
    assert not report.ok
    assert "altered or forged" in report.problem


def test_a_later_change_in_the_same_transaction_is_still_recorded(record: AppContext) -> None:
    """A service that edits a row after its last event gets a state.record event of its own."""
    with record.write(record.actor("ada")) as tx:
        tx.record("test.touch", "test", "x", before=None, after=None)
        row = tx.session.get(AISystemRow, "screening")
        assert row is not None
        row.business_unit = "changed after the last event"
    assert audit_log.verify_state(record).ok
    [last] = audit_log.iter_events(record, limit=1)
    assert last.action == "state.record"


def test_baseline_vouches_for_old_rows_and_needs_an_admin(record: AppContext) -> None:
    # As if these rows had been written by an Ombud that kept no state digests.
    _as_dba(record, "UPDATE audit_events SET state = NULL")
    # (that edit breaks the chain's hashes; the state check on its own sees no digests)
    assert {p.kind for p in audit_log.verify_state(record).problems} == {"unrecorded"}
    with pytest.raises(PermissionDenied):
        audit_log.record_baseline(record, record.actor("olivia"))
    count = audit_log.record_baseline(record, record.actor("ada"))
    assert count == audit_log.verify_state(record).rows
    assert audit_log.verify_state(record).ok
    assert audit_log.record_baseline(record, record.actor("ada")) == 0


# --- checkpoints ---------------------------------------------------------------------


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "outside"
    folder.mkdir()
    private = folder / "checkpoint.key"
    public = generate_key(private)
    assert oct(private.stat().st_mode & 0o777) == "0o600"
    return private, public


def test_truncating_the_tail_after_a_checkpoint_is_caught(
    record: AppContext, keys: tuple[Path, Path], tmp_path: Path
) -> None:
    private, public = keys
    anchors = tmp_path / "anchors"
    anchors.mkdir()
    taken, path = audit_log.take_checkpoint(record, key_path=private, folder=anchors)
    assert path.parent == anchors
    assert audit_log.verify_checkpoints(record, anchors, public).ok

    # The attacker holds the database and the chain key: delete the newest events and
    # rewrite the head so the shortened chain verifies.
    keep = taken.seq - 3
    with record.engine.begin() as conn:
        new_head = conn.execute(
            text("SELECT hash FROM audit_events WHERE seq = :s"), {"s": keep}
        ).scalar_one()
    _as_dba(
        record,
        f"DELETE FROM audit_events WHERE seq > {keep}",
        f"UPDATE audit_head SET seq = {keep}, hash = '{new_head}'",
    )
    assert audit_log.verify_log(record).ok  # the log alone cannot tell
    report = audit_log.verify_checkpoints(record, anchors, public)
    assert not report.ok
    [check] = report.checked
    assert f"log now holds {keep}" in check.problem


def test_a_rewritten_prefix_and_a_forged_checkpoint_are_caught(
    record: AppContext, keys: tuple[Path, Path], tmp_path: Path
) -> None:
    private, public = keys
    anchors = tmp_path / "anchors"
    anchors.mkdir()
    _, path = audit_log.take_checkpoint(record, key_path=private, folder=anchors)
    data = json.loads(path.read_text())
    data["seq"] -= 1  # vouch for a shorter chain without the key
    path.write_text(json.dumps(data))
    [check] = audit_log.verify_checkpoints(record, anchors, public).checked
    assert "signature does not verify" in check.problem

    other_private = tmp_path / "outside" / "other.key"
    generate_key(other_private)
    path.unlink()
    audit_log.take_checkpoint(record, key_path=other_private, folder=anchors)
    [check] = audit_log.verify_checkpoints(record, anchors, public).checked
    assert "signature does not verify" in check.problem


def test_checkpoint_refuses_keys_inside_the_workspace_and_broken_chains(
    record: AppContext, keys: tuple[Path, Path], tmp_path: Path
) -> None:
    private, _ = keys
    inside = record.workspace.root / "ck.key"
    generate_key(inside)
    with pytest.raises(InvalidInput, match="inside the workspace folder"):
        audit_log.take_checkpoint(record, key_path=inside, folder=tmp_path)
    with pytest.raises(InvalidInput, match="no checkpoint folder"):
        audit_log.take_checkpoint(record, key_path=private)
    _as_dba(record, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 2")
    with pytest.raises(CheckpointError, match="refusing to sign"):
        audit_log.take_checkpoint(record, key_path=private, folder=tmp_path)
    assert not list(tmp_path.glob("*.json"))


def test_a_gate_run_takes_a_checkpoint_when_configured(
    record: AppContext, keys: tuple[Path, Path], tmp_path: Path
) -> None:
    private, public = keys
    anchors = tmp_path / "anchors"
    anchors.mkdir()
    settings = record.workspace.root / "ombud-workspace.toml"
    settings.write_text(
        settings.read_text()
        + f'\n[audit]\ncheckpoint_key = "{private}"\ncheckpoint_dir = "{anchors}"\n'
        + f'checkpoint_public_key = "{public}"\ncheckpoint_after_gate = true\n'
    )
    workspace: Workspace = open_workspace(record.workspace.root, record.workspace.database_url)
    context = open_context(workspace)
    try:
        gates.check_gate(context, context.actor("olivia"), "screening")
        [_file] = anchors.glob("*.json")
        report = audit_log.verify_checkpoints(context, anchors)
        assert report.ok
        assert report.checked[0].seq == audit_log.last_seq(context)
    finally:
        context.close()
