"""Creating and upgrading workspaces, and the users who act in them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ombud.governance import (
    Action,
    ConflictError,
    InvalidInput,
    Role,
    Target,
    authorize,
    check_name,
    check_slug,
)
from ombud.services.context import Actor, AppContext, open_context
from ombud.store import (
    SETTINGS_FILE,
    Workspace,
    WorkspaceError,
    create_workspace,
    make_engine,
    open_workspace,
    upgrade,
)
from ombud.store.models import UserRow
from ombud.store.workspace import WORKSPACE_ENTRIES, staged_workspace

__all__ = [
    "User",
    "add_user",
    "init_workspace",
    "list_users",
    "upgrade_workspace",
    "user_snapshot",
]

_BOOTSTRAP = Actor("ombud-init", frozenset({Role.ADMIN}))


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True)
class User:
    """A workspace user: who they are, their roles, the OS account mapped to them."""

    username: str
    display_name: str
    email: str
    roles: tuple[str, ...]  # sorted
    os_username: str | None
    active: bool

    @classmethod
    def from_row(cls, user: UserRow) -> User:
        return cls(
            username=user.username,
            display_name=user.display_name,
            email=user.email,
            roles=tuple(sorted(user.roles)),
            os_username=user.os_username,
            active=user.active,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "display_name": self.display_name,
            "email": self.email,
            "roles": list(self.roles),
            "os_username": self.os_username,
            "active": self.active,
        }


def user_snapshot(user: UserRow) -> dict[str, Any]:
    """What the audit events of a user carry: ``User.to_dict()`` of the row."""
    return User.from_row(user).to_dict()


def _parse_roles(roles: Iterable[str]) -> list[str]:
    parsed = []
    for role in roles:
        try:
            parsed.append(Role(role).value)
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            raise InvalidInput(f"role '{role}' is unknown; roles are: {allowed}") from None
    if not parsed:
        raise InvalidInput("a user needs at least one role (--role ROLE)")
    return sorted(set(parsed))


def init_workspace(
    root: Path,
    *,
    database_url: str | None,
    admin: str | None,
    os_user: str,
    force: bool = False,
) -> tuple[Workspace, str, bool]:
    """Create (or bring up to date) a workspace; the first run creates its admin user.

    A new workspace is built in a staging folder and moved into ``root`` only when its
    schema and admin are in place: a bad ``--db``, an unwritable folder or a bad admin
    name leave ``root`` as it was. A folder holding other files is refused unless
    ``force``. On an existing workspace ``admin`` (when given) must already be one of its
    admins: it is never silently ignored.

    Returns the workspace, the schema revision and whether an admin was created.
    """
    root = root.absolute()
    if root.exists() and not root.is_dir():
        raise InvalidInput(f"{root} is a file, not a folder; give a folder for the workspace")
    if (root / SETTINGS_FILE).exists():
        return _reinit(root, database_url, admin, os_user)
    name = admin or os_user
    check_slug(name, "user name")
    # A staging folder left by an init that was killed is not the user's file.
    entries = (
        sorted(e.name for e in root.iterdir() if not e.name.startswith(".ombud-init-"))
        if root.is_dir()
        else []
    )
    if entries and not force:
        raise ConflictError(
            f"{root} is not empty ({len(entries)} entries, e.g. '{entries[0]}') and holds no "
            "Ombud workspace; use a new or empty folder, or pass --force to add one to it"
        )
    clash = [entry for entry in entries if entry in WORKSPACE_ENTRIES]
    if clash:
        raise ConflictError(
            f"{root} already holds {', '.join(clash)}, which a workspace would overwrite; "
            "move them away or use another folder"
        )
    try:
        with staged_workspace(root, database_url) as staged:
            revision = _migrate(staged)
            _create_admin(staged, str(root.resolve()), revision, name, os_user)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise WorkspaceError(
            f"cannot create a workspace in {root} ({reason}); choose a folder you can write to"
        ) from None
    return open_workspace(root), revision, True


def _migrate(workspace: Workspace) -> str:
    engine = make_engine(workspace.database_url)
    try:
        return upgrade(engine)
    finally:
        engine.dispose()


def _reinit(
    root: Path, database_url: str | None, admin: str | None, os_user: str
) -> tuple[Workspace, str, bool]:
    workspace = create_workspace(root, database_url)
    revision = _migrate(workspace)
    context = open_context(workspace)
    try:
        with context.read() as session:
            users = {row.username: row for row in session.execute(select(UserRow)).scalars()}
    finally:
        context.close()
    if not users:  # a workspace whose first init stopped before its admin was made
        name = admin or os_user
        check_slug(name, "user name")
        _create_admin(workspace, str(workspace.root), revision, name, os_user)
        return workspace, revision, True
    if admin is not None:
        row = users.get(admin)
        if row is None or Role.ADMIN.value not in row.roles or not row.active:
            raise ConflictError(
                f"{workspace.root} is already a workspace and '{admin}' is not one of its "
                f"admins; --admin only names the first admin of a new workspace: add users "
                f"with `ombud user add {admin} --role admin`"
            )
    return workspace, revision, False


def _create_admin(
    workspace: Workspace, root_text: str, revision: str, admin: str, os_user: str
) -> None:
    context = open_context(workspace)
    try:
        with context.write(_BOOTSTRAP) as tx:
            user = UserRow(
                username=admin,
                display_name=admin,
                email="",
                roles=[Role.ADMIN.value, Role.RAI_LEAD.value],
                os_username=os_user,
                active=True,
                created_at=_now(),
            )
            tx.session.add(user)
            tx.record(
                "workspace.init",
                "workspace",
                root_text,
                before=None,
                after={"revision": revision, "admin": admin},
            )
            tx.record("user.add", "user", admin, before=None, after=user_snapshot(user))
    finally:
        context.close()


def upgrade_workspace(workspace: Workspace) -> str:
    engine = make_engine(workspace.database_url)
    try:
        return upgrade(engine)
    finally:
        engine.dispose()


def add_user(
    context: AppContext,
    actor: Actor,
    *,
    username: str,
    roles: Iterable[str],
    display_name: str = "",
    email: str = "",
    os_username: str | None = None,
) -> User:
    authorize(actor.username, actor.roles, Action.USER_MANAGE, Target.account(username))
    check_slug(username, "user name")
    check_name(display_name, "the display name")
    check_name(email, "the e-mail address")
    if os_username is not None:
        check_name(os_username, "the OS user name")
    parsed = _parse_roles(roles)
    with context.write(actor) as tx:
        # Again inside the write: the roles in force when it commits decide.
        authorize(tx.actor.username, tx.actor.roles, Action.USER_MANAGE, Target.account(username))
        if tx.session.get(UserRow, username) is not None:
            raise ConflictError(f"user '{username}' already exists")
        if (
            os_username
            and tx.session.execute(
                select(UserRow).where(UserRow.os_username == os_username)
            ).first()
        ):
            raise ConflictError(f"OS user '{os_username}' is already mapped to another user")
        user = UserRow(
            username=username,
            display_name=display_name or username,
            email=email,
            roles=parsed,
            os_username=os_username,
            active=True,
            created_at=_now(),
        )
        tx.session.add(user)
        added = User.from_row(user)
        tx.record("user.add", "user", username, before=None, after=added.to_dict())
    return added


def list_users(context: AppContext) -> list[User]:
    """Every workspace user, active or not, by user name."""
    with context.read() as session:
        rows = session.execute(select(UserRow).order_by(UserRow.username)).scalars()
        return [User.from_row(u) for u in rows]
