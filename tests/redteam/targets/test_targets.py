"""REST (templates + JSONPath), callable and subprocess targets against real endpoints."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from ombud.redteam import CallableTarget, RestTarget, SubprocessTarget, TargetError, Turn
from ombud.redteam.targets._jsonpath import JsonPathError, extract
from ombud.redteam.testing import ChatServer, Reply

Serve = Callable[..., ChatServer]


def test_rest_target_fills_the_template_and_extracts_the_answer(serve: Serve) -> None:
    seen: list[Mapping[str, Any]] = []

    def respond(request: Mapping[str, Any], number: int) -> Reply:
        seen.append(request)
        return Reply(raw=b'{"data": {"answers": [{"text": "first"}, {"text": "last"}]}}')

    server = serve(respond)
    target = RestTarget(
        url=f"http://127.0.0.1:{server.port}/ask",
        request_template={"query": "Q: {{prompt}}", "history": "{{messages}}", "n": 1},
        response_path="$.data.answers[-1]['text']",
        headers={"Authorization": "Bearer s3cret", "X-Team": "red"},
    )

    async def go() -> str:
        try:
            return (await target.complete([Turn("user", "hello")])).text
        finally:
            await target.aclose()

    assert asyncio.run(go()) == "last"
    assert seen[0] == {
        "query": "Q: hello",
        "history": [{"role": "user", "content": "hello"}],
        "n": 1,
    }
    assert "s3cret" not in str(target.describe())


@pytest.mark.parametrize(
    ("path", "message"),
    [("data.x", "must start"), ("$.a..b", "unsupported"), ("$.missing", "found nothing")],
)
def test_jsonpath_errors_are_clear(path: str, message: str) -> None:
    with pytest.raises(JsonPathError, match=message):
        extract({"a": 1}, path)


def test_callable_target_sync_and_async() -> None:
    async def shout(turns: Any) -> str:
        return str(turns[-1].content).upper()

    async def go() -> tuple[str, str]:
        a = await CallableTarget(lambda turns: "ok").complete([Turn("user", "x")])
        b = await CallableTarget(shout).complete([Turn("user", "hey")])
        return a.text, b.text

    assert asyncio.run(go()) == ("ok", "HEY")


def test_callable_target_wraps_exceptions() -> None:
    def broken(turns: Any) -> str:
        raise RuntimeError("down")

    with pytest.raises(TargetError, match="down"):
        asyncio.run(CallableTarget(broken).complete([Turn("user", "x")]))


def test_subprocess_target_reads_json_on_stdin() -> None:
    script = (
        "import json,sys; m=json.load(sys.stdin)['messages']; print('echo:' + m[-1]['content'])"
    )
    target = SubprocessTarget(command=[sys.executable, "-c", script])
    assert asyncio.run(target.complete([Turn("user", "ping")])).text == "echo:ping"
    failing = SubprocessTarget(command=[sys.executable, "-c", "import sys; sys.exit(3)"])
    with pytest.raises(TargetError, match="exited 3"):
        asyncio.run(failing.complete([Turn("user", "ping")]))
