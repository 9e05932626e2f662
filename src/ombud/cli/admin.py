"""``ombud init``, ``ombud upgrade`` and ``ombud user`` (with web passwords and API tokens)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ombud.cli._state import emit_json, os_user, state_of
from ombud.services import auth, workspaces
from ombud.services.auth import web_sessions

__all__ = ["register"]

user_app = typer.Typer(help="Workspace users and their roles.", no_args_is_help=True)


def init(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Folder of the new workspace.")] = Path("."),
    admin: Annotated[
        str | None,
        typer.Option(help="User name of the first admin of a new workspace (default: OS user)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Add a workspace to a folder that holds other files.")
    ] = False,
) -> None:
    """Create a workspace (SQLite by default, or --db) and apply the schema; idempotent.

    Nothing is written unless every step succeeds.
    """
    state = state_of(ctx)
    me = os_user()
    workspace, revision, created = workspaces.init_workspace(
        directory, database_url=state.database_url, admin=admin, os_user=me, force=force
    )
    state.out.print(f"workspace ready at {workspace.root} (schema {revision})")
    if created:
        state.out.print(f"admin user '{admin or me}' created and mapped to OS user '{me}'")
    elif admin is not None:
        state.out.print(f"the workspace already existed; '{admin}' is already one of its admins")


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
        state.out.print(f"user '{username}' added with roles {', '.join(user.roles)}")


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
            user.username,
            user.display_name,
            ", ".join(user.roles),
            user.os_username or "",
            "yes" if user.active else "no",
        )
    state.out.print(table)


@user_app.command("passwd")
def user_passwd(
    ctx: typer.Context,
    username: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Set a user's web password (yourself, or anyone as admin); it is stored argon2-hashed."""
    state = state_of(ctx)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("new password", hide_input=True, confirmation_prompt=True)
    with state.context() as context:
        auth.set_password(context, state.actor(context), username, password)
    state.out.print(f"password of '{username}' set")


@user_app.command("token")
def user_token(
    ctx: typer.Context,
    username: str,
    scope: Annotated[
        list[str], typer.Option("--scope", help="read or write (repeatable); write allows writes.")
    ],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'CI gate'.")] = "",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Issue an API token for /api/v1; the secret is printed once and stored only hashed."""
    state = state_of(ctx)
    with state.context() as context:
        secret, info = auth.issue_token(context, state.actor(context), username, scope, name)
    if as_json:
        emit_json({**info.to_dict(), "token": secret})
        return
    state.out.print(f"token #{info.id} for '{username}' (scopes: {', '.join(info.scopes)})")
    state.out.print(secret, soft_wrap=True)
    state.out.print("store it now: it cannot be shown again")


@user_app.command("token-list")
def user_token_list(
    ctx: typer.Context,
    username: Annotated[str | None, typer.Argument()] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List API tokens (never their secrets), optionally of one user."""
    state = state_of(ctx)
    with state.context() as context:
        tokens = auth.list_tokens(context, username)
    if as_json:
        emit_json(tokens)
        return
    table = Table("#", "user", "name", "scopes", "created", "revoked")
    for t in tokens:
        table.add_row(
            str(t.id),
            t.username,
            t.name,
            ", ".join(t.scopes),
            t.created_at.isoformat()[:16],
            t.revoked_at.isoformat()[:16] if t.revoked_at else "",
        )
    state.out.print(table)


@user_app.command("token-revoke")
def user_token_revoke(ctx: typer.Context, token_id: int) -> None:
    """Revoke an API token at once; requests carrying it are refused from then on."""
    state = state_of(ctx)
    with state.context() as context:
        auth.revoke_token(context, state.actor(context), token_id)
    state.out.print(f"token #{token_id} revoked")


@user_app.command("sessions")
def user_sessions(
    ctx: typer.Context,
    username: Annotated[str | None, typer.Argument(help="Only this user's sessions.")] = None,
    include_dead: Annotated[
        bool, typer.Option("--all", help="Also signed-out, revoked and expired ones.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List web sign-in sessions (live ones unless --all), newest first."""
    state = state_of(ctx)
    with state.context() as context:
        sessions = web_sessions.list_sessions(context, username, include_dead=include_dead)
    if as_json:
        emit_json(sessions)
        return
    table = Table("#", "user", "method", "client", "signed in", "last seen", "ends", "state")
    for s in sessions:
        ended = "live" if s.live else ("revoked" if s.revoked_at else "expired")
        table.add_row(
            str(s.id),
            s.username,
            s.method,
            s.client,
            s.created_at.isoformat()[:16],
            s.last_seen_at.isoformat()[:16],
            s.expires_at.isoformat()[:16],
            ended,
        )
    state.out.print(table)


@user_app.command("signout")
def user_signout(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Whose sessions to end.")],
    session_id: Annotated[
        int | None, typer.Option("--session", help="Only this session (see `user sessions`).")
    ] = None,
) -> None:
    """End a user's web sessions at once (all, or one); their next request must sign in."""
    state = state_of(ctx)
    with state.context() as context:
        ended = web_sessions.revoke_sessions(context, state.actor(context), username, session_id)
    state.out.print(f"{len(ended)} session(s) of '{username}' ended")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("upgrade")(upgrade)
    app.add_typer(user_app, name="user")
