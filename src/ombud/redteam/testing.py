"""A deterministic OpenAI-compatible HTTP server on loopback, for tests and benchmarks.

It is an honest test double: real sockets, real HTTP/1.1 with keep-alive, the
``/v1/chat/completions`` schema, and scripted misbehaviour (status codes,
``Retry-After``, delays, malformed or oversized bodies). Written on bare asyncio
streams so that it costs little CPU and can sustain the benchmark's request rate on
a small machine. It runs on its own thread and event loop, so synchronous code can
start it and the harness under test can run its own loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

__all__ = ["ChatServer", "Reply", "chat_body", "fixed_delay_responder", "last_user_text"]


@dataclass(frozen=True)
class Reply:
    """What the server sends: a chat completion with ``text`` unless ``raw`` is given."""

    text: str = ""
    status: int = 200
    delay: float = 0.0
    headers: Mapping[str, str] = field(default_factory=dict)
    raw: bytes | None = None


Responder = Callable[[Mapping[str, Any], int], Reply]


def chat_body(text: str, prompt_tokens: int = 10, completion_tokens: int = 5) -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
    ).encode()


def last_user_text(request: Mapping[str, Any]) -> str:
    messages: Sequence[Mapping[str, str]] = request.get("messages", [])
    users = [m.get("content", "") for m in messages if m.get("role") == "user"]
    return users[-1] if users else ""


_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class ChatServer:
    """``with ChatServer(responder) as server: ... server.base_url ...``"""

    def __init__(self, responder: Responder, *, blocking: bool = False) -> None:
        self._responder = responder
        self._blocking = blocking
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._lock = threading.Lock()
        self._writers: set[asyncio.StreamWriter] = set()
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, port: int = 0) -> ChatServer:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(port), self._loop)
        self._server = future.result(timeout=10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _listen(self, port: int) -> asyncio.Server:
        return await asyncio.start_server(self._serve, "127.0.0.1", port, backlog=1024)

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed() if not self._writers else None
            for writer in list(self._writers):
                writer.close()
                with contextlib.suppress(ConnectionError, OSError):
                    await writer.wait_closed()
            current = asyncio.current_task()
            for task in asyncio.all_tasks():
                if task is not current:
                    task.cancel()
            await asyncio.sleep(0.01)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> ChatServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                body = await reader.readexactly(length) if length else b""
                await self._answer(body, writer)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _answer(self, body: bytes, writer: asyncio.StreamWriter) -> None:
        with self._lock:
            self.requests += 1
            number = self.requests
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            try:
                request = json.loads(body) if body else {}
            except json.JSONDecodeError:
                request = {}
            if self._blocking:
                reply = await asyncio.get_running_loop().run_in_executor(
                    None, self._responder, request, number
                )
            else:
                reply = self._responder(request, number)
            if reply.delay:
                await asyncio.sleep(reply.delay)
            payload = reply.raw if reply.raw is not None else chat_body(reply.text)
            headers = "".join(f"{k}: {v}\r\n" for k, v in reply.headers.items())
            writer.write(
                f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, 'Status')}\r\n"
                f"content-type: application/json\r\ncontent-length: {len(payload)}\r\n"
                f"{headers}\r\n".encode()
                + payload
            )
            await writer.drain()
        finally:
            with self._lock:
                self.in_flight -= 1


def fixed_delay_responder(delay: float, text: str = "I cannot help with that.") -> Responder:
    """The benchmark's server: every request answered with ``text`` after ``delay`` seconds."""

    def respond(request: Mapping[str, Any], number: int) -> Reply:
        return Reply(text=text, delay=delay)

    return respond
