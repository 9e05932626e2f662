"""The end of `ombud demo`: how to open the dashboard, with a login that really works.

Oracle: the demo's own password table (ombud.demo) and the web login service, on a
workspace where those passwords were set the way the demo sets them.
"""

from __future__ import annotations

import re
from pathlib import Path

from argon2 import PasswordHasher

from ombud.cli.demo import web_hint
from ombud.demo import DEMO_LOGINS, DEMO_PASSWORD
from ombud.services import auth
from ombud.services.context import AppContext
from ombud.services.workspaces import add_user

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def test_the_hint_names_the_serve_command_and_a_working_login(context: AppContext) -> None:
    hint = web_hint(Path("demo-ws"), port=8123)
    assert "ombud -w demo-ws serve --port 8123" in hint
    assert "http://127.0.0.1:8123/" in hint
    password = re.search(r"password for each: (\S+)", hint)
    assert password is not None
    assert password.group(1) == DEMO_PASSWORD
    admin = context.actor("ada")
    for name in DEMO_LOGINS:
        assert name in hint
        add_user(context, admin, username=name, roles=["reviewer"])
        auth.set_password(context, admin, name, DEMO_PASSWORD, CHEAP)
        assert auth.authenticate_password(context, name, password.group(1), hasher=CHEAP)
