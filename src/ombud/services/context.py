"""The application context of one command or request, and its unit of work.

A ``Tx`` is the only way to write: it opens one transaction, and every change made
through it appends its audit event in that same transaction, so the record and its
trail commit or vanish together.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from ombud.governance import ConflictError, NotFoundError, PermissionDenied, Role
from ombud.store import (
    ArtifactStore,
    Workspace,
    append_event,
    ensure_current,
    make_engine,
    make_session_factory,
)
from ombud.store.audit_state import pending_state
from ombud.store.models import UserRow

__all__ = ["Actor", "AppContext", "Tx", "open_context"]

# The read transaction that ``AppContext.shared_read`` opened in this thread or task, if any.
_SHARED_READ: ContextVar[tuple[Engine, Session] | None] = ContextVar(
    "ombud_shared_read", default=None
)


@dataclass(frozen=True)
class Actor:
    username: str
    roles: frozenset[Role]


@dataclass
class AppContext:
    workspace: Workspace
    engine: Engine
    sessions: sessionmaker[Session]
    artifacts: ArtifactStore
    chain_key: bytes
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read transaction, or the one ``shared_read`` already holds open."""
        shared = _SHARED_READ.get()
        if shared is not None and shared[0] is self.engine:
            yield shared[1]
            return
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def shared_read(self) -> Iterator[None]:
        """Every ``read`` inside shares one transaction.

        A page assembled from a dozen service reads would otherwise begin and commit a
        dozen transactions, each a round trip to the database; sharing one also means the
        page reads from one transaction rather than from several moments. Only reads may
        happen inside: ``write`` refuses (see there).
        """
        if _SHARED_READ.get() is not None:
            yield
            return
        with self.sessions() as session, session.begin():
            token = _SHARED_READ.set((self.engine, session))
            try:
                yield
            finally:
                _SHARED_READ.reset(token)

    @contextmanager
    def write(self, actor: Actor) -> Iterator[Tx]:
        """One transaction; a lost optimistic-lock race becomes a ConflictError."""
        shared = _SHARED_READ.get()
        if shared is not None and shared[0] is self.engine:
            # SQLite begins every transaction IMMEDIATE: the shared read holds the write
            # lock, so a write from another connection would wait for itself.
            raise RuntimeError("a write inside AppContext.shared_read(); write before or after it")
        try:
            with self.sessions() as session, session.begin():
                tx = Tx(session, self, _current(session, actor))
                yield tx
                tx.record_unrecorded_state()
        except StaleDataError:
            raise ConflictError(
                "the record changed while you were editing it; reload and try again"
            ) from None

    def actor(self, username: str) -> Actor:
        with self.read() as session:
            return load_actor(session, username)


class Tx:
    def __init__(self, session: Session, context: AppContext, actor: Actor) -> None:
        self.session = session
        self.context = context
        self.actor = actor

    def record(
        self,
        action: str,
        entity_type: str,
        entity_id: str,
        *,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
        details: Mapping[str, Any] | None = None,
        state_override: Mapping[str, str | None] | None = None,
    ) -> None:
        """Append the audit event of a change, with the digests of the rows it touched.

        ``state_override`` adds digests of rows this transaction did not change (only
        the state baseline vouches for rows that way).
        """
        try:
            self.session.flush()
        except IntegrityError as exc:
            raise ConflictError(
                f"{entity_type} '{entity_id}' conflicts with an existing record "
                f"({str(exc.orig).splitlines()[0]})"
            ) from None
        append_event(
            self.session,
            self.context.chain_key,
            actor=self.actor.username,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=before,
            after=after,
            request_id=self.context.request_id,
            details=details,
            state={**pending_state(self.session), **(state_override or {})},
        )

    def record_unrecorded_state(self) -> None:
        """Before commit: rows changed after the transaction's last event get one of their own.

        A service that touches a record after its last ``record`` call would otherwise
        leave the log vouching for an older state, and ``verify --state`` would call the
        committed row tampered with.
        """
        self.session.flush()
        state = pending_state(self.session)
        if not state:
            return
        append_event(
            self.session,
            self.context.chain_key,
            actor=self.actor.username,
            action="state.record",
            entity_type="state",
            entity_id=self.context.request_id,
            before=None,
            after=None,
            request_id=self.context.request_id,
            details={"rows": len(state)},
            state=state,
        )


def _current(session: Session, actor: Actor) -> Actor:
    """The actor as the database knows them now, inside the write's own transaction.

    An ``Actor`` is read when a command starts or a web request is authenticated; a long
    engine run or a slow form can end after a lead revoked a role or deactivated the user.
    Every write decides on the roles in force when it commits, not on that old copy. A
    deactivated user writes nothing at all: some grants come from a relationship alone (the
    owner of a system opens its review), so emptying their roles would not be enough. A
    name with no user row is a process identity, not a person (the workspace bootstrap
    ``ombud-init``, the web process closing a deactivated user's session): its roles are
    the code's and stay as given.
    """
    user = session.get(UserRow, actor.username)
    if user is None:
        return actor
    if not user.active:
        raise PermissionDenied(
            f"user '{actor.username}' is deactivated and may not change anything; "
            "an admin can reactivate the account"
        )
    roles = frozenset(Role(r) for r in user.roles)
    return actor if roles == actor.roles else Actor(actor.username, roles)


def load_actor(session: Session, username: str) -> Actor:
    user = session.get(UserRow, username)
    if user is None or not user.active:
        raise NotFoundError(
            f"no active workspace user '{username}'; list users with `ombud user list`"
        )
    return Actor(user.username, frozenset(Role(r) for r in user.roles))


def resolve_username(session: Session, explicit: str | None, os_user: str) -> str:
    """``--as``/``OMBUD_USER`` if given, else the workspace user mapped to the OS account."""
    if explicit:
        return explicit
    mapped = session.execute(
        select(UserRow.username).where(UserRow.os_username == os_user)
    ).scalar_one_or_none()
    if mapped is None:
        raise NotFoundError(
            f"the OS user '{os_user}' is not mapped to a workspace user; pass --as USER, "
            "set OMBUD_USER, or map it with `ombud user add NAME --os-user " + os_user + "`"
        )
    return mapped


def open_context(workspace: Workspace, *, check_schema: bool = True) -> AppContext:
    engine = make_engine(workspace.database_url)
    try:
        if check_schema:
            ensure_current(engine)
        key = workspace.chain_key()
    except BaseException:
        engine.dispose()
        raise
    return AppContext(
        workspace=workspace,
        engine=engine,
        sessions=make_session_factory(engine),
        artifacts=ArtifactStore(workspace.artifacts_dir),
        chain_key=key,
    )
