"""The keep-alive client for plain-http targets, against raw asyncio servers that misbehave
in ways the scripted ChatServer does not (closing idle connections, chunked bodies)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import pytest

from ombud.redteam import OpenAIChatTarget, TargetError, Turn
from ombud.redteam.targets._fasthttp import KeepAlivePool, can_use_fast_client
from ombud.redteam.testing import chat_body

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    return await reader.readexactly(length)


def _with_server(handler: Handler, client: Callable[[int], Awaitable[object]]) -> object:
    writers: list[asyncio.StreamWriter] = []

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        try:
            await handler(reader, writer)
        finally:
            writer.close()

    async def go() -> object:
        server = await asyncio.start_server(tracked, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            return await client(port)
        finally:
            server.close()
            for writer in writers:
                writer.close()
            await asyncio.sleep(0.05)

    return asyncio.run(go())


def test_a_connection_the_server_closed_while_idle_is_replaced() -> None:
    connections = 0

    async def one_request_per_connection(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        # Keep-alive is implied by HTTP/1.1, yet the server closes after one answer, the way
        # an idle timeout does: the client must not report the stale socket as an error.
        nonlocal connections
        connections += 1
        await _read_request(reader)
        body = chat_body("ok")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(body) + body)
        await writer.drain()
        writer.close()

    async def client(port: int) -> list[str]:
        target = OpenAIChatTarget(base_url=f"http://127.0.0.1:{port}/v1", model="m")
        texts = []
        for _ in range(3):
            texts.append((await target.complete([Turn("user", "hi")])).text)
            await asyncio.sleep(0.02)  # let the close arrive before the next request
        await target.aclose()
        return texts

    assert _with_server(one_request_per_connection, client) == ["ok", "ok", "ok"]
    assert connections == 3


def test_chunked_bodies_are_joined_and_capped() -> None:
    body = chat_body("chunked answer")

    async def chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                await _read_request(reader)
            except asyncio.IncompleteReadError:
                return
            writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
            for start in range(0, len(body), 40):
                piece = body[start : start + 40]
                writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            writer.write(b"0\r\n\r\n")
            await writer.drain()

    async def client(port: int) -> tuple[object, str]:
        url = f"http://127.0.0.1:{port}/v1/chat/completions"
        pool = KeepAlivePool(url, timeout=5.0, max_bytes=1 << 20)
        small = KeepAlivePool(url, timeout=5.0, max_bytes=100)
        try:
            answer = await pool.post(b"{}")
            with pytest.raises(TargetError, match="over the cap of 100") as caught:
                await small.post(b"{}")
            return json.loads(answer.body), str(caught.value)
        finally:
            await pool.aclose()
            await small.aclose()

    decoded, _ = _with_server(chunked, client)  # type: ignore[misc]
    assert decoded == json.loads(body)


def test_a_timed_out_connection_is_not_reused() -> None:
    calls = 0

    async def slow_first(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal calls
        while True:
            try:
                await _read_request(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            calls += 1
            if calls == 1:
                await asyncio.sleep(0.3)  # the late answer must not be read as the next one
            body = chat_body(f"answer {calls}")
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(body) + body)
            await writer.drain()

    async def client(port: int) -> str:
        target = OpenAIChatTarget(base_url=f"http://127.0.0.1:{port}/v1", model="m", timeout=0.1)
        try:
            with pytest.raises(TargetError, match="timed out"):
                await target.complete([Turn("user", "first")])
            return (await target.complete([Turn("user", "second")])).text
        finally:
            await target.aclose()

    assert _with_server(slow_first, client) == "answer 2"


def test_https_and_proxies_go_through_httpx(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert can_use_fast_client("http://127.0.0.1:8000/v1/chat/completions")
    assert not can_use_fast_client("https://api.example.com/v1/chat/completions")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.internal:3128")
    assert not can_use_fast_client("http://10.0.0.5:8000/v1/chat/completions")
    monkeypatch.setenv("NO_PROXY", "10.0.0.5")
    assert can_use_fast_client("http://10.0.0.5:8000/v1/chat/completions")


def test_the_api_key_and_json_body_reach_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMBUD_TEST_KEY", "sk-test-123")
    seen: list[tuple[bytes, bytes]] = []

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        seen.append((head, await reader.readexactly(length)))
        body = chat_body("ok")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(body) + body)
        await writer.drain()

    async def client(port: int) -> str:
        target = OpenAIChatTarget(
            base_url=f"http://127.0.0.1:{port}/v1",
            model="bot",
            api_key_env="OMBUD_TEST_KEY",
            system_prompt="be nice",
        )
        try:
            return (await target.complete([Turn("user", "héllo")])).text
        finally:
            await target.aclose()

    assert _with_server(echo, client) == "ok"
    ((head, body),) = seen
    assert head.startswith(b"POST /v1/chat/completions HTTP/1.1\r\n")
    assert b"\r\nauthorization: Bearer sk-test-123\r\n" in head
    assert b"\r\nhost: 127.0.0.1:" in head
    assert json.loads(body)["messages"] == [
        {"role": "system", "content": "be nice"},
        {"role": "user", "content": "héllo"},
    ]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (b"HTTP/1.1 200 OK\r\nx-big: " + b"a" * 70_000 + b"\r\n\r\n", "header block"),
        (b"SMTP ready\r\n\r\n", "malformed HTTP"),
        (b"HTTP/1.1 200 OK\r\ncontent-length: 12, 13\r\n\r\n", "malformed HTTP"),
        (b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\nshort", "unreachable"),
    ],
)
def test_broken_answers_are_target_errors(answer: bytes, message: str) -> None:
    async def broken(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(answer)
        await writer.drain()
        writer.close()

    async def client(port: int) -> str:
        pool = KeepAlivePool(f"http://127.0.0.1:{port}/x", timeout=5.0, max_bytes=1 << 20)
        try:
            with pytest.raises(TargetError) as caught:
                await pool.post(b"{}")
            return str(caught.value)
        finally:
            await pool.aclose()

    assert message in str(_with_server(broken, client))
