"""Creating and upgrading workspaces, and the users who act in them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ombud.governance import (
    Action,
    ConflictError,
    InvalidInput,
    Role,
    check_name,
    check_slug,
    require,
)
from ombud.services.context import Actor, AppContext, open_context
from ombud.store import Workspace, create_workspace, make_engine, upgrade
from ombud.store.models import UserRow

__all__ = ["add_user", "init_workspace", "list_users", "upgrade_workspace", "user_snapshot"]

_BOOTSTRAP = Actor("ombud-init", frozenset({Role.ADMIN}))


def _now() -> datetime:
    return datetime.now(UTC)


def user_snapshot(user: UserRow) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "roles": sorted(user.roles),
        "os_username": user.os_username,
        "active": user.active,
    }


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
    root: Path, *, database_url: str | None, admin: str, os_user: str
) -> tuple[Workspace, str, bool]:
    """Create (or bring up to date) a workspace; the first run creates its admin user.

    Returns the workspace, the schema revision and whether an admin was created.
    """
    workspace = create_workspace(root, database_url)
    engine = make_engine(workspace.database_url)
    try:
        revision = upgrade(engine)
    finally:
        engine.dispose()
    context = open_context(workspace)
    try:
        with context.read() as session:
            has_users = session.execute(select(UserRow.username).limit(1)).first() is not None
        created = False
        if not has_users:
            check_slug(admin, "user name")
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
                    str(workspace.root),
                    before=None,
                    after={"revision": revision, "admin": admin},
                )
                tx.record("user.add", "user", admin, before=None, after=user_snapshot(user))
            created = True
    finally:
        context.close()
    return workspace, revision, created


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
) -> dict[str, Any]:
    require(Action.USER_MANAGE, actor.username, actor.roles)
    check_slug(username, "user name")
    check_name(display_name, "the display name")
    check_name(email, "the e-mail address")
    if os_username is not None:
        check_name(os_username, "the OS user name")
    parsed = _parse_roles(roles)
    with context.write(actor) as tx:
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
        snapshot = user_snapshot(user)
        tx.record("user.add", "user", username, before=None, after=snapshot)
    return snapshot


def list_users(context: AppContext) -> list[dict[str, Any]]:
    with context.read() as session:
        rows = session.execute(select(UserRow).order_by(UserRow.username)).scalars()
        return [user_snapshot(u) for u in rows]
