"""`ombud serve --workers 2` on the real PostgreSQL server, as a deployment would run it.

Two uvicorn worker processes share nothing but the database and the workspace's signing
key. Oracle: the rule that a session is one thing across the site. A login made through
one worker must hold in both, and a sign-out must end it in both. Concurrent requests
are spread over the two workers by the kernel; 40 parallel requests make it
overwhelmingly likely that both serve some (and any worker that held state of its own
would answer wrongly).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from ombud.services.context import open_context
from ombud.services.workspaces import init_workspace

from ._seed import PASSWORD, seed
from ._serving import free_port

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _wait_until_up(base: str, server: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"ombud serve exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError("ombud serve did not answer within the time limit")


def _statuses(base: str, cookies: httpx.Cookies, count: int = 40) -> list[int]:
    def one(_: int) -> int:
        with httpx.Client(base_url=base, cookies=cookies, timeout=30) as client:
            return client.get("/").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, range(count)))


def test_sessions_hold_and_end_across_two_workers(pg_schema_url: str, tmp_path: Path) -> None:
    workspace, _, _ = init_workspace(
        tmp_path / "ws", database_url=pg_schema_url, admin="ada", os_user="x"
    )
    context = open_context(workspace)
    try:
        seeded = seed(context, tmp_path)
    finally:
        context.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMBUD_")}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "ombud"),  # the installed entry point
            "-w",
            str(workspace.root),
            "--db",
            pg_schema_url,
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _wait_until_up(base, server)
        with httpx.Client(base_url=base, timeout=30) as browser:
            token = _CSRF.search(browser.get("/login").text)
            assert token is not None
            response = browser.post(
                "/login",
                data={"username": "lena", "password": PASSWORD, "csrf_token": token.group(1)},
            )
            assert response.status_code == 303, response.text
            assert set(_statuses(base, browser.cookies)) == {200}
            page = browser.get(f"/systems/{seeded.blocked_system}")
            assert page.status_code == 200
            assert seeded.blocked_system in page.text
            csrf = _CSRF.search(page.text)
            assert csrf is not None
            copied = httpx.Cookies(browser.cookies)
            assert browser.post("/logout", data={"csrf_token": csrf.group(1)}).status_code == 303
        assert set(_statuses(base, copied)) == {303}  # every worker now sends it to /login
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        try:
            _, errors = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            _, errors = server.communicate()
    log = errors.decode("utf-8", "replace")
    assert "Traceback" not in log, log[-3000:]
    assert len(set(re.findall(r"Started server process \[(\d+)\]", log))) == 2, log[-3000:]
