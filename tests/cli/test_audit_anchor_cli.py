"""`ombud audit-log keygen|checkpoint|baseline` and `verify --state|--checkpoints`, as typed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .conftest import Invoke


def _workspace(invoke: Invoke, tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    assert invoke("init", str(ws), "--admin", "ada").code == 0
    return ws


def test_checkpoint_then_truncate_then_verify(invoke: Invoke, tmp_path: Path) -> None:
    ws = _workspace(invoke, tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    key = outside / "ck.key"
    made = invoke("audit-log", "keygen", str(key))
    assert made.code == 0, made.err
    assert (outside / "ck.key.pub").is_file()
    again = invoke("audit-log", "keygen", str(key))
    assert again.code != 0
    assert "already exists" in again.err
    assert "Traceback" not in again.err

    taken = invoke(
        "-w", str(ws), "audit-log", "checkpoint", "--key", str(key), "--to", str(outside)
    )
    assert taken.code == 0, taken.err
    ok = invoke(
        "-w", str(ws), "audit-log", "verify", "--checkpoints", str(outside),
        "--public-key", str(outside / "ck.key.pub"),
    )  # fmt: skip
    assert ok.code == 0, ok.err
    assert "holds" in ok.out

    # A DBA with the chain key drops the newest event and rewrites the head.
    with sqlite3.connect(ws / "ombud.db") as db:
        db.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
        (head_seq,) = db.execute("SELECT max(seq) FROM audit_events").fetchone()
        (prev,) = db.execute(
            "SELECT hash FROM audit_events WHERE seq = ?", (head_seq - 1,)
        ).fetchone()
        db.execute("DELETE FROM audit_events WHERE seq = ?", (head_seq,))
        db.execute("UPDATE audit_head SET seq = ?, hash = ?", (head_seq - 1, prev))
    assert invoke("-w", str(ws), "audit-log", "verify").code == 0
    caught = invoke(
        "-w", str(ws), "audit-log", "verify", "--checkpoints", str(outside),
        "--public-key", str(outside / "ck.key.pub"),
    )  # fmt: skip
    assert caught.code == 1
    assert "FAILS" in caught.err
    assert "deleted" in caught.err


def test_verify_state_names_an_edited_row(invoke: Invoke, tmp_path: Path) -> None:
    ws = _workspace(invoke, tmp_path)
    assert (
        invoke("-w", str(ws), "--as", "ada", "user", "add", "olivia", "--role", "owner").code == 0
    )
    intact = invoke("-w", str(ws), "audit-log", "verify", "--state")
    assert intact.code == 0, intact.err
    assert "records match the log" in intact.out
    with sqlite3.connect(ws / "ombud.db") as db:
        db.execute("UPDATE users SET roles = '[\"admin\"]' WHERE username = 'olivia'")
    broken = invoke("-w", str(ws), "audit-log", "verify", "--state")
    assert broken.code == 1
    assert "users:olivia does not match event #" in broken.err
    assert "Traceback" not in broken.err


def test_checkpoint_without_settings_is_a_one_line_input_error(
    invoke: Invoke, tmp_path: Path
) -> None:
    ws = _workspace(invoke, tmp_path)
    result = invoke("-w", str(ws), "audit-log", "checkpoint")
    assert result.code == 2
    assert "no checkpoint signing key" in result.err
    assert len(result.err.strip().splitlines()) == 1
