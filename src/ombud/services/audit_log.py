"""Reading and proving the audit log: its chain, the records it vouches for, its anchors."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy.exc
from sqlalchemy import select, text

from ombud.governance import InvalidInput, PermissionDenied, Role
from ombud.services.context import Actor, AppContext
from ombud.store import ChainReport, verify_chain
from ombud.store.audit import GENESIS
from ombud.store.audit_state import all_row_states
from ombud.store.checkpoint import (
    Checkpoint,
    CheckpointError,
    load_private_key,
    load_public_key,
    read_checkpoint,
    sign_checkpoint,
    write_checkpoint,
)
from ombud.store.models import AuditEventRow, AuditHeadRow

__all__ = [
    "AuditEvent",
    "CheckpointCheck",
    "CheckpointReport",
    "StateProblem",
    "StateReport",
    "check_checkpoint_settings",
    "event_dict",
    "iter_events",
    "last_seq",
    "record_baseline",
    "take_checkpoint",
    "verify_checkpoints",
    "verify_log",
    "verify_state",
]


@dataclass(frozen=True, kw_only=True)
class AuditEvent:
    """One link of the audit chain as stored.

    ``at`` stays the stored ISO text: it is part of what the hash covers, so it is shown
    as written, never re-formatted. ``details`` is the action's own free-form JSON (each
    action records what explains it). ``to_dict()`` is the event of ``audit-log show
    --json`` and ``audit-log export``.
    """

    seq: int
    event_id: str
    at: str
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before_digest: str | None
    after_digest: str | None
    request_id: str
    details: Mapping[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def from_row(cls, row: AuditEventRow) -> AuditEvent:
        return cls(
            seq=row.seq,
            event_id=row.event_id,
            at=row.at,
            actor=row.actor,
            action=row.action,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            before_digest=row.before_digest,
            after_digest=row.after_digest,
            request_id=row.request_id,
            details=row.details,
            prev_hash=row.prev_hash,
            hash=row.hash,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "event_id": self.event_id,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "before_digest": self.before_digest,
            "after_digest": self.after_digest,
            "request_id": self.request_id,
            "details": self.details,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def event_dict(row: AuditEventRow) -> dict[str, Any]:
    """The stored event as JSON data (``AuditEvent.to_dict()`` of the row)."""
    return AuditEvent.from_row(row).to_dict()


def last_seq(context: AppContext) -> int:
    """The sequence number of the newest audit event (0 for an empty log).

    Every change to the record appends an event in the same transaction, so this number
    changes whenever anything a page shows may have changed: a cheap, exact change key.
    """
    with context.read() as session:
        head = session.get(AuditHeadRow, 1)
        return head.seq if head is not None else 0


def verify_log(context: AppContext) -> ChainReport:
    """Prove the chain; a log that cannot even be read is reported broken, not raised.

    A dropped audit table or a ``details`` value that is not JSON (only possible on
    SQLite, which does not check JSON columns) is damage to the log like any other
    tampering: the report names it and, where it can, the first bad event.
    """
    try:
        return _verify(context)
    except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.ProgrammingError) as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        return ChainReport(
            False,
            0,
            GENESIS,
            None,
            f"the audit log is damaged: it cannot be read ({reason}); restore the "
            "database from a backup",
        )
    except ValueError:
        seq = _first_unreadable_seq(context)
        where = f"first bad event #{seq}" if seq is not None else "first bad event unknown"
        return ChainReport(
            False,
            0,
            GENESIS,
            seq,
            f"the audit log is damaged: an event's details are not JSON ({where}); "
            "restore the database from a backup",
        )


def _first_unreadable_seq(context: AppContext) -> int | None:
    """The first event whose stored ``details`` text does not parse as JSON."""
    with context.read() as session:
        rows = session.execute(text("SELECT seq, details FROM audit_events ORDER BY seq"))
        for seq, details in rows:
            if isinstance(details, str | bytes):
                try:
                    json.loads(details)
                except ValueError:
                    return int(seq)
    return None


def _verify(context: AppContext) -> ChainReport:
    with context.read() as session:
        head = session.get(AuditHeadRow, 1)
        result = session.execute(
            select(AuditEventRow).order_by(AuditEventRow.seq).execution_options(yield_per=1000)
        )
        try:
            return verify_chain(result.scalars(), context.chain_key, head)
        finally:
            result.close()  # verification may stop early; release the server-side cursor


def iter_events(
    context: AppContext,
    *,
    entity_id: str | None = None,
    action: str | None = None,
    limit: int | None = None,
) -> Iterator[AuditEvent]:
    """Events in chain order: of one entity (and its versions, ``id@label``), of actions
    starting with ``action``, the latest ``limit``; read in one transaction, which is closed
    before the first event is yielded (a caller that stops early must not leave a
    transaction open: on PostgreSQL it would block every DDL on those tables)."""
    with context.read() as session:
        query = select(AuditEventRow).order_by(AuditEventRow.seq)
        if entity_id:
            query = query.where(
                (AuditEventRow.entity_id == entity_id)
                | AuditEventRow.entity_id.startswith(entity_id + "@")
            )
        if action:
            query = query.where(AuditEventRow.action.startswith(action))
        if limit:
            query = query.order_by(None).order_by(AuditEventRow.seq.desc()).limit(limit)
        rows = list(session.execute(query).scalars())
        if limit:
            rows.reverse()
        events = [AuditEvent.from_row(row) for row in rows]
    yield from events


# --- the records the log vouches for ----------------------------------------------------


@dataclass(frozen=True)
class StateProblem:
    key: str  # "table:primary-key"
    kind: str  # "edited" | "unrecorded" | "deleted"
    seq: int | None  # the event whose digest the row should match
    message: str


@dataclass(frozen=True)
class StateReport:
    ok: bool
    rows: int
    problems: tuple[StateProblem, ...]


def _recorded_state(context: AppContext) -> dict[str, tuple[str | None, int]]:
    """The latest digest the log holds for each tracked row, with its event's number."""
    latest: dict[str, tuple[str | None, int]] = {}
    with context.read() as session:
        result = session.execute(
            select(AuditEventRow.seq, AuditEventRow.state)
            .where(AuditEventRow.state.is_not(None))
            .order_by(AuditEventRow.seq)
            .execution_options(yield_per=1000)
        )
        try:
            for seq, state in result:
                if not isinstance(state, dict):
                    continue  # the chain check names a malformed event; nothing to compare
                for key, value in state.items():
                    latest[key] = (value if isinstance(value, str) else None, seq)
        finally:
            result.close()
    return latest


def verify_state(context: AppContext) -> StateReport:
    """Compare every tracked row with the digest its latest audit event recorded.

    Trust the answer only with an intact chain (``verify_log``): the digests are part of
    each event's keyed hash, so a forged digest breaks the chain first.
    """
    recorded = _recorded_state(context)
    problems: list[StateProblem] = []
    seen: set[str] = set()
    rows = 0
    with context.read() as session:
        for key, current in all_row_states(session):
            rows += 1
            seen.add(key)
            expected = recorded.get(key)
            if expected is None:
                problems.append(
                    StateProblem(
                        key,
                        "unrecorded",
                        None,
                        f"{key} has no audit event vouching for it: inserted outside Ombud, "
                        "or recorded before state digests existed (after an upgrade, run "
                        "`ombud audit-log baseline` once if you trust the current records)",
                    )
                )
            elif expected[0] != current:
                problems.append(
                    StateProblem(
                        key,
                        "edited" if expected[0] is not None else "unrecorded",
                        expected[1],
                        f"{key} does not match event #{expected[1]}: the row was changed "
                        "outside Ombud"
                        if expected[0] is not None
                        else f"{key} was deleted at event #{expected[1]} but exists again: "
                        "re-inserted outside Ombud",
                    )
                )
    for key, (value, seq) in recorded.items():
        if value is not None and key not in seen:
            problems.append(
                StateProblem(
                    key,
                    "deleted",
                    seq,
                    f"{key} is missing, but event #{seq} recorded it: deleted outside Ombud",
                )
            )
    problems.sort(key=lambda p: (p.seq or 0, p.key))
    return StateReport(not problems, rows, tuple(problems))


def record_baseline(context: AppContext, actor: Actor) -> int:
    """Vouch once for rows that no event covers yet (records made before state digests).

    An administrator's explicit act, recorded with the digests it vouches for: it is how
    a workspace upgraded from an older Ombud starts being checkable, and it says who
    trusted the rows as they were on that day.
    """
    if Role.ADMIN not in actor.roles:
        raise PermissionDenied(
            f"user '{actor.username}' may not record a state baseline; it needs an admin"
        )
    recorded = _recorded_state(context)
    with context.write(actor) as tx:
        state: dict[str, str | None] = {
            key: digest
            for key, digest in all_row_states(tx.session)
            if recorded.get(key, (None, 0))[0] is None
        }
        if state:
            tx.record(
                "state.baseline",
                "state",
                context.request_id,
                before=None,
                after=None,
                details={"rows": len(state)},
                state_override=state,
            )
    return len(state)


# --- anchors outside the database --------------------------------------------------------


def _event_hashes(context: AppContext, seqs: set[int]) -> tuple[int, dict[int, str]]:
    """The head's sequence number and the hashes of the events numbered ``seqs``."""
    with context.read() as session:
        head = session.get(AuditHeadRow, 1)
        wanted = sorted(seqs | {1})
        hashes: dict[int, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = session.execute(
                select(AuditEventRow.seq, AuditEventRow.hash).where(AuditEventRow.seq.in_(chunk))
            )
            hashes.update((seq, value) for seq, value in rows)
    if 1 not in hashes:
        raise InvalidInput("the audit log is empty; there is nothing to checkpoint or compare")
    return (head.seq if head is not None else 0), hashes


def _checkpoint_paths(
    context: AppContext, key_path: Path | None, folder: Path | None
) -> tuple[Path, Path]:
    settings = context.workspace.audit
    key_path = key_path or settings.checkpoint_key
    folder = folder or settings.checkpoint_dir
    if key_path is None:
        raise InvalidInput(
            "no checkpoint signing key: pass --key FILE or set checkpoint_key in the "
            "[audit] table of ombud-workspace.toml (create one with `ombud audit-log keygen`)"
        )
    if folder is None:
        raise InvalidInput(
            "no checkpoint folder: pass --to DIR or set checkpoint_dir in the [audit] table "
            "of ombud-workspace.toml"
        )
    root = context.workspace.root
    for path, what in ((key_path.resolve(), "signing key"), (folder.resolve(), "folder")):
        if path == root or root in path.parents:
            raise InvalidInput(
                f"the checkpoint {what} {path} is inside the workspace folder; keep it "
                "elsewhere (whoever can rewrite the workspace could rewrite it too)"
            )
    return key_path, folder


def check_checkpoint_settings(context: AppContext) -> None:
    """Fail before any work when the configured checkpoint could not be taken afterwards."""
    key_path, folder = _checkpoint_paths(context, None, None)
    load_private_key(key_path)
    if not folder.is_dir():
        raise CheckpointError(f"the checkpoint folder {folder} does not exist; create it first")


def take_checkpoint(
    context: AppContext, *, key_path: Path | None = None, folder: Path | None = None
) -> tuple[Checkpoint, Path]:
    """Sign the current head and write it to ``folder`` (default: the workspace setting).

    The chain is verified first: signing a broken chain would anchor the damage.
    """
    key_path, folder = _checkpoint_paths(context, key_path, folder)
    key = load_private_key(key_path)
    report = verify_log(context)
    if not report.ok:
        raise CheckpointError(
            f"the audit log is broken at event #{report.first_bad_seq} ({report.problem}); "
            "refusing to sign it"
        )
    _, hashes = _event_hashes(context, set())
    checkpoint = sign_checkpoint(
        key,
        chain_id=hashes[1],
        seq=report.events,
        head_hash=report.head_hash,
        now=datetime.now(UTC),
    )
    return checkpoint, write_checkpoint(checkpoint, folder)


@dataclass(frozen=True)
class CheckpointCheck:
    path: Path
    seq: int
    taken_at: str
    ok: bool
    problem: str = ""


@dataclass(frozen=True)
class CheckpointReport:
    ok: bool
    checked: tuple[CheckpointCheck, ...]


def verify_checkpoints(
    context: AppContext, folder: Path, public_key_path: Path | None = None
) -> CheckpointReport:
    """Prove that every checkpoint in ``folder`` is a prefix of the current chain."""
    public_key_path = public_key_path or context.workspace.audit.checkpoint_public_key
    if public_key_path is None:
        raise InvalidInput(
            "no checkpoint public key: pass --public-key FILE or set checkpoint_public_key "
            "in the [audit] table of ombud-workspace.toml"
        )
    if not folder.is_dir():
        raise InvalidInput(f"the checkpoint folder {folder} does not exist")
    public_key = load_public_key(public_key_path)
    files = sorted(folder.glob("*.json"))
    if not files:
        raise InvalidInput(f"{folder} holds no checkpoint (*.json); take one first")
    read = [read_checkpoint(path) for path in files]
    head_seq, hashes = _event_hashes(context, {c.seq for c in read})
    chain_id = hashes[1]
    checks: list[CheckpointCheck] = []
    for path, checkpoint in zip(files, read, strict=True):
        problem = ""
        if not checkpoint.verifies_with(public_key):
            problem = "its signature does not verify with the public key: forged or altered"
        elif checkpoint.chain_id != chain_id:
            problem = "it belongs to another audit chain (its event #1 differs)"
        elif checkpoint.seq > head_seq:
            problem = (
                f"it vouches for {checkpoint.seq} events but the log now holds {head_seq}: "
                f"events after #{head_seq} were deleted and the head rewritten"
            )
        elif hashes.get(checkpoint.seq) != checkpoint.head_hash:
            problem = (
                f"event #{checkpoint.seq} no longer has the hash it had when signed: "
                "the chain was rewritten up to there"
            )
        checks.append(
            CheckpointCheck(path, checkpoint.seq, checkpoint.taken_at, not problem, problem)
        )
    return CheckpointReport(all(c.ok for c in checks), tuple(checks))
