"""``ombud init``, ``ombud upgrade`` and ``ombud user``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ombud.cli._state import emit_json, os_user, state_of
from ombud.services import workspaces

__all__ = ["register"]

user_app = typer.Typer(help="Workspace users and their roles.", no_args_is_help=True)


def init(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Folder of the new workspace.")] = Path("."),
    admin: Annotated[
        str | None, typer.Option(help="User name of the first admin (default: the OS user).")
    ] = None,
) -> None:
    """Create a workspace (SQLite by default, or --db) and apply the schema; idempotent."""
    state = state_of(ctx)
    me = os_user()
    workspace, revision, created = workspaces.init_workspace(
        directory, database_url=state.database_url, admin=admin or me, os_user=me
    )
    state.out.print(f"workspace ready at {workspace.root} (schema {revision})")
    if created:
        state.out.print(f"admin user '{admin or me}' created and mapped to OS user '{me}'")


def upgrade(ctx: typer.Context) -> None:
    """Apply pending schema migrations to the workspace database; idempotent."""
    state = state_of(ctx)
    revision = workspaces.upgrade_workspace(state.workspace())
    state.out.print(f"schema at revision {revision}")


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    username: str,
    role: Annotated[list[str], typer.Option("--role", "-r", help="Role (repeatable).")],
    display_name: Annotated[str, typer.Option("--name")] = "",
    email: Annotated[str, typer.Option()] = "",
    os_user_name: Annotated[
        str | None, typer.Option("--os-user", help="Map this OS account to the user.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add a user with roles: admin, rai_lead, reviewer, owner, auditor."""
    state = state_of(ctx)
    with state.context() as context:
        user = workspaces.add_user(
            context,
            state.actor(context),
            username=username,
            roles=role,
            display_name=display_name,
            email=email,
            os_username=os_user_name,
        )
    if as_json:
        emit_json(user)
    else:
        state.out.print(f"user '{username}' added with roles {', '.join(user['roles'])}")


@user_app.command("list")
def user_list(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List workspace users."""
    state = state_of(ctx)
    with state.context() as context:
        users = workspaces.list_users(context)
    if as_json:
        emit_json(users)
        return
    table = Table("user", "name", "roles", "OS user", "active")
    for user in users:
        table.add_row(
            user["username"],
            user["display_name"],
            ", ".join(user["roles"]),
            user["os_username"] or "",
            "yes" if user["active"] else "no",
        )
    state.out.print(table)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("upgrade")(upgrade)
    app.add_typer(user_app, name="user")
