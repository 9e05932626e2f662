"""`ombud user passwd|token|token-list|token-revoke` through the real entry point.

These commands live in cli/admin.py; the test sits with the web tests because it is the
web's credentials they manage (move it to tests/cli/ if the layout asks).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from ombud.services import auth
from ombud.services.context import open_context
from ombud.store import open_workspace

from ._serving import run_cli


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code, out, err = run_cli(capsys, *args)
    return code, out + err


def test_passwd_and_tokens_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OMBUD_WORKSPACE", "OMBUD_DATABASE_URL", "OMBUD_USER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    ws = str(tmp_path / "ws")
    assert _run(capsys, "init", ws, "--admin", "ada")[0] == 0
    common = ("-w", ws, "--as", "ada")
    assert _run(capsys, *common, "user", "add", "rex", "--role", "reviewer")[0] == 0

    monkeypatch.setattr("sys.stdin", io.StringIO("too short\n"))
    code, out = _run(capsys, *common, "user", "passwd", "rex", "--password-stdin")
    assert code == 2
    assert "at least 12" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("a perfectly long passphrase\n"))
    code, out = _run(capsys, *common, "user", "passwd", "rex", "--password-stdin")
    assert (code, "password of 'rex' set" in out) == (0, True)

    code, out = _run(capsys, *common, "user", "token", "rex", "--scope", "read", "--json")
    assert code == 0
    issued = json.loads(out)
    assert issued["scopes"] == ["read"]
    code, out = _run(capsys, *common, "user", "token-list", "--json")
    listed = json.loads(out)
    assert [t["id"] for t in listed] == [issued["id"]]
    # The --json shape served before tokens were typed: keys and their order, pinned.
    keys = ("id", "username", "name", "scopes", "created_by", "created_at", "revoked_at")
    assert tuple(listed[0]) == (*keys, "last_used_at")
    assert tuple(issued) == (*keys, "last_used_at", "token")
    assert issued["token"] not in out  # the secret is shown once, at issue
    assert _run(capsys, *common, "user", "token-revoke", str(issued["id"]))[0] == 0

    context = open_context(open_workspace(Path(ws)))
    try:
        assert auth.authenticate_password(context, "rex", "a perfectly long passphrase")
        with pytest.raises(auth.AuthenticationFailed, match="revoked"):
            auth.authenticate_token(context, issued["token"])
    finally:
        context.close()
    code, out = _run(capsys, *common, "user", "token", "rex", "--scope", "admin")
    assert code == 2
    assert "read or write" in out
