"""Built-in targets: OpenAI-compatible chat, generic REST, Python callable, subprocess.

The OpenAI chat format is what vLLM, Ollama, llama.cpp's server, LM Studio and the
hosted APIs all speak, so one class covers most systems under test. The REST target
is for in-house services with their own JSON shape; the callable and subprocess
targets let a team attack code that has no HTTP front at all.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import ssl
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import httpx

from ombud.redteam.core import (
    ErrorKind,
    RedteamError,
    TargetCapabilities,
    TargetError,
    TargetReply,
    Turn,
)
from ombud.redteam.targets._fasthttp import KeepAlivePool, can_use_fast_client
from ombud.redteam.targets._http import DEFAULT_MAX_RESPONSE_BYTES, classify_response, post_json
from ombud.redteam.targets._jsonpath import compile_path, extract

__all__ = ["CallableTarget", "OpenAIChatTarget", "RestTarget", "SubprocessTarget"]


def _messages(turns: Sequence[Turn], system_prompt: str | None) -> list[dict[str, str]]:
    out = [{"role": "system", "content": system_prompt}] if system_prompt else []
    return out + [{"role": t.role, "content": t.content} for t in turns]


def _api_key(api_key: str | None, api_key_env: str | None) -> str | None:
    if api_key:
        return api_key
    if api_key_env:
        value = os.environ.get(api_key_env)
        if not value:
            raise RedteamError(
                f"environment variable {api_key_env} is empty; export the target's API key there"
            )
        return value
    return None


class OpenAIChatTarget:
    """``POST {base_url}/chat/completions`` with the OpenAI chat schema."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        api_key_env: str | None = None,
        system_prompt: str | None = None,
        temperature: float = 0.0,
        max_tokens: int = 256,
        timeout: float = 60.0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._model = model
        self._system_prompt = system_prompt
        self._temperature = float(temperature)
        self._max_tokens = int(max_tokens)
        self._timeout = float(timeout)
        self._max_bytes = int(max_response_bytes)
        key = _api_key(api_key, api_key_env)
        self._headers = {"authorization": f"Bearer {key}"} if key else {}
        # Plain http without a proxy (loopback, LAN: the usual place of a model under test)
        # goes through a lean keep-alive client; https and proxies go through httpx.
        self._fast: KeepAlivePool | None = None
        if can_use_fast_client(self._url):
            self._fast = KeepAlivePool(
                self._url,
                timeout=self._timeout,
                max_bytes=self._max_bytes,
                headers=list(self._headers.items()),
            )
        # One single-connection client per concurrent request, reused through a free list:
        # httpcore's pool scans every connection on every request, which costs O(concurrency)
        # per call and dominated CPU at 64 concurrent requests; small pools make it O(1).
        self._idle: list[httpx.AsyncClient] = []
        self._all: list[httpx.AsyncClient] = []
        self._ssl: ssl.SSLContext | None = None

    @property
    def capabilities(self) -> TargetCapabilities:
        return TargetCapabilities(system_prompt=True, multi_turn=True)

    def describe(self) -> Mapping[str, Any]:
        return {
            "type": "openai",
            "url": self._url,
            "model": self._model,
            "system_prompt": self._system_prompt,
            "temperature": self._temperature,
            "max_tokens": self._max_tokens,
            "timeout": self._timeout,
            "max_response_bytes": self._max_bytes,
            "authenticated": bool(self._headers),
        }

    async def complete(self, messages: Sequence[Turn]) -> TargetReply:
        payload = {
            "model": self._model,
            "messages": _messages(messages, self._system_prompt),
            "temperature": self._temperature,
            "max_tokens": self._max_tokens,
        }
        if self._fast is not None:
            raw = await self._fast.post(json.dumps(payload).encode())
            body = classify_response(
                self._url, raw.status, raw.headers.get("retry-after"), raw.body
            )
        else:
            body = await self._post_httpx(payload)
        try:
            text = body["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise TargetError(
                f"target {self._url} answered JSON without choices[0].message.content",
                kind=ErrorKind.UNEXPECTED_JSON,
            ) from exc
        if not isinstance(text, str):
            raise TargetError(
                f"target {self._url} answered a non-string message content",
                kind=ErrorKind.UNEXPECTED_JSON,
            )
        usage = body.get("usage") if isinstance(body, dict) else None
        usage = usage if isinstance(usage, dict) else {}
        return TargetReply(text, usage.get("prompt_tokens"), usage.get("completion_tokens"))

    async def _post_httpx(self, payload: Any) -> Any:
        client = self._idle.pop() if self._idle else self._new_client()
        try:
            return await post_json(
                client, self._url, payload, headers=self._headers, max_bytes=self._max_bytes
            )
        finally:
            self._idle.append(client)

    def _new_client(self) -> httpx.AsyncClient:
        if self._ssl is None and self._url.startswith("https:"):
            self._ssl = httpx.create_ssl_context()  # loading CA roots costs ~80 ms: do it once
        client = httpx.AsyncClient(
            timeout=self._timeout,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            verify=self._ssl if self._ssl is not None else False,
        )
        self._all.append(client)
        return client

    async def aclose(self) -> None:
        if self._fast is not None:
            await self._fast.aclose()
        for client in self._all:
            await client.aclose()
        self._all.clear()
        self._idle.clear()


def _fill(template: Any, prompt: str, messages: list[dict[str, str]]) -> Any:
    if isinstance(template, str):
        if template == "{{messages}}":
            return messages
        return template.replace("{{prompt}}", prompt)
    if isinstance(template, list):
        return [_fill(item, prompt, messages) for item in template]
    if isinstance(template, dict):
        return {key: _fill(value, prompt, messages) for key, value in template.items()}
    return template


class RestTarget:
    """Any JSON-over-HTTP service: a request template and a JSONPath to the answer.

    In the template, a string ``"{{messages}}"`` becomes the OpenAI-style message list
    and ``{{prompt}}`` inside a string becomes the last user turn.
    """

    def __init__(
        self,
        *,
        url: str,
        request_template: Mapping[str, Any] | str,
        response_path: str,
        headers: Mapping[str, str] | None = None,
        secret_headers: Sequence[str] = ("authorization", "x-api-key"),
        multi_turn: bool = False,
        timeout: float = 60.0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self._url = url
        self._template = (
            json.loads(request_template) if isinstance(request_template, str) else request_template
        )
        compile_path(response_path)
        self._path = response_path
        self._headers = dict(headers or {})
        self._secret = {h.lower() for h in secret_headers}
        self._multi_turn = bool(multi_turn)
        self._max_bytes = int(max_response_bytes)
        self._client = httpx.AsyncClient(timeout=float(timeout))

    @property
    def capabilities(self) -> TargetCapabilities:
        return TargetCapabilities(system_prompt=self._multi_turn, multi_turn=self._multi_turn)

    def describe(self) -> Mapping[str, Any]:
        public = {k: v for k, v in self._headers.items() if k.lower() not in self._secret}
        return {
            "type": "rest",
            "url": self._url,
            "request_template": self._template,
            "response_path": self._path,
            "headers": public,
        }

    async def complete(self, messages: Sequence[Turn]) -> TargetReply:
        users = [t.content for t in messages if t.role == "user"]
        payload = _fill(self._template, users[-1] if users else "", _messages(messages, None))
        body = await post_json(
            self._client, self._url, payload, headers=self._headers, max_bytes=self._max_bytes
        )
        try:
            value = extract(body, self._path)
        except RedteamError as exc:
            raise TargetError(f"target {self._url}: {exc}", kind=ErrorKind.UNEXPECTED_JSON) from exc
        return TargetReply(value if isinstance(value, str) else json.dumps(value))

    async def aclose(self) -> None:
        await self._client.aclose()


Responder = Callable[[Sequence[Turn]], "str | Awaitable[str]"]


class CallableTarget:
    """A Python function (sync or async) taking the turns and returning the answer text."""

    def __init__(self, function: Responder, *, name: str = "callable") -> None:
        self._function = function
        self._name = name

    @property
    def capabilities(self) -> TargetCapabilities:
        return TargetCapabilities(system_prompt=True, multi_turn=True)

    def describe(self) -> Mapping[str, Any]:
        qualname = getattr(self._function, "__qualname__", type(self._function).__name__)
        return {"type": "callable", "name": self._name, "function": qualname}

    async def complete(self, messages: Sequence[Turn]) -> TargetReply:
        try:
            result = self._function(messages)
            if inspect.isawaitable(result):
                result = await result
        except Exception as exc:
            raise TargetError(f"callable target {self._name} raised {exc!r}") from exc
        if not isinstance(result, str):
            raise TargetError(f"callable target {self._name} returned {type(result).__name__}")
        return TargetReply(result)

    async def aclose(self) -> None:
        return None


class SubprocessTarget:
    """Runs a command per attempt: the conversation as JSON on stdin, the answer on stdout."""

    def __init__(
        self,
        *,
        command: Sequence[str] | str,
        timeout: float = 60.0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self._command = [command] if isinstance(command, str) else list(command)
        if not self._command:
            raise RedteamError(
                "subprocess target needs a command, e.g. command=['python', 'bot.py']"
            )
        self._timeout = float(timeout)
        self._max_bytes = int(max_response_bytes)

    @property
    def capabilities(self) -> TargetCapabilities:
        return TargetCapabilities(system_prompt=True, multi_turn=True)

    def describe(self) -> Mapping[str, Any]:
        return {"type": "subprocess", "command": self._command, "timeout": self._timeout}

    async def complete(self, messages: Sequence[Turn]) -> TargetReply:
        payload = json.dumps({"messages": _messages(messages, None)}).encode()
        try:
            process = await asyncio.create_subprocess_exec(
                *self._command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            raise TargetError(f"cannot start {self._command[0]}: {exc}") from exc
        try:
            out, err = await asyncio.wait_for(process.communicate(payload), self._timeout)
        except TimeoutError as exc:
            process.kill()
            await process.wait()
            raise TargetError(
                f"subprocess {self._command[0]} timed out after {self._timeout}s",
                retryable=True,
                kind=ErrorKind.TIMEOUT,
            ) from exc
        if process.returncode != 0:
            raise TargetError(
                f"subprocess {self._command[0]} exited {process.returncode}: {err[-200:]!r}"
            )
        if len(out) > self._max_bytes:
            raise TargetError(f"subprocess output is over the cap of {self._max_bytes} bytes")
        try:
            return TargetReply(out.decode("utf-8").strip())
        except UnicodeDecodeError as exc:
            raise TargetError(f"subprocess {self._command[0]} wrote invalid UTF-8") from exc

    async def aclose(self) -> None:
        return None
