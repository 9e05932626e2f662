"""A lean HTTP/1.1 keep-alive client for plain-http targets (loopback or LAN).

Why not httpx here: at 64 requests in flight httpx and its connection layer cost about
1.7–1.9 ms of CPU per request on the benchmark machine, which capped one event loop
at under half of what a 50 ms server sustains. h11 (httpx's own parser) still cost
0.25–0.3 ms per exchange, about as much as the rest of the harness per attempt. A
red-team run sends thousands of small JSON POSTs to one host, and the part of HTTP/1.1
that needs (a request line, Content-Length or chunked bodies, keep-alive) is small, so
it is written out here against RFC 9112 on asyncio streams. https and proxied targets
keep using httpx, which handles TLS and proxies properly.

Only the transport is here; status codes, size caps, UTF-8 and JSON are classified by
``_http.classify_response`` so both clients report trouble identically.
"""

from __future__ import annotations

import asyncio
import contextlib
import urllib.parse
import urllib.request

from ombud.redteam.core import ErrorKind, TargetError
from ombud.redteam.targets._http import is_refused

__all__ = ["KeepAlivePool", "RawResponse", "can_use_fast_client"]

_MAX_HEAD_BYTES = 64 * 1024


def can_use_fast_client(url: str) -> bool:
    """Plain http with no proxy configured for its host (https and proxies go to httpx)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        return False
    proxies = urllib.request.getproxies()
    if "http" in proxies or "all" in proxies:
        return bool(urllib.request.proxy_bypass(parts.hostname))
    return True


class RawResponse:
    """Status, lower-cased headers and the whole body of one answered request."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


class ProtocolError(Exception):
    """The server's bytes are not HTTP/1.1 we can frame."""


class _Connection:
    __slots__ = ("reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class _StaleConnection(Exception):
    """A reused connection closed before any response byte: safe to send again once."""


def _parse_head(head: bytes) -> tuple[int, bool, dict[str, str]]:
    """Status, whether it is HTTP/1.1, and headers (names lower-cased, repeats joined)."""
    lines = head.decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    code = rest[:3]
    if not version.startswith("HTTP/1.") or not code.isdigit():
        raise ProtocolError(f"bad status line {lines[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or name[0] in " \t" or name != name.strip():
            raise ProtocolError(f"bad header line {line[:80]!r}")
        key = name.lower()
        value = value.strip(" \t")
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return int(code), version == "HTTP/1.1", headers


class KeepAlivePool:
    """POSTs to one ``http://host:port/path``, reusing idle connections (LIFO)."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        max_bytes: int,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise TargetError(f"{url} is not a plain http URL")
        self._url = url
        self._host = parts.hostname
        self._port = parts.port or 80
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        pairs = headers or []
        if any("\r" in f"{n}{v}" or "\n" in f"{n}{v}" for n, v in pairs):
            raise TargetError("HTTP header names and values must not contain line breaks")
        extra = "".join(f"{name}: {value}\r\n" for name, value in pairs)
        # Everything but the length and the body is the same for every request: build it once.
        self._prefix = (
            f"POST {target} HTTP/1.1\r\nhost: {parts.netloc}\r\n"
            f"content-type: application/json\r\n{extra}content-length: "
        ).encode("latin-1")
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._idle: list[_Connection] = []

    async def post(self, body: bytes) -> RawResponse:
        """Send one POST; raises ``TargetError`` (retryable) on timeouts and socket trouble."""
        request = b"%s%d\r\n\r\n%s" % (self._prefix, len(body), body)
        try:
            async with asyncio.timeout(self._timeout):
                while self._idle:
                    connection = self._idle.pop()
                    try:
                        return await self._exchange(connection, request, reused=True)
                    except _StaleConnection:
                        continue
                reader, writer = await asyncio.open_connection(
                    self._host, self._port, limit=_MAX_HEAD_BYTES
                )
                return await self._exchange(_Connection(reader, writer), request, reused=False)
        except TimeoutError as exc:
            raise TargetError(
                f"target {self._url} timed out after {self._timeout}s",
                retryable=True,
                kind=ErrorKind.TIMEOUT,
            ) from exc
        except asyncio.LimitOverrunError as exc:
            raise TargetError(
                f"target {self._url} sent a header block or chunk line over {_MAX_HEAD_BYTES} "
                "bytes",
                kind=ErrorKind.MALFORMED_HTTP,
            ) from exc
        except ProtocolError as exc:
            # httpx counts malformed HTTP as a transport error, so it stays retryable here too.
            raise TargetError(
                f"target {self._url} sent malformed HTTP: {exc}",
                retryable=True,
                kind=ErrorKind.MALFORMED_HTTP,
            ) from exc
        except (OSError, asyncio.IncompleteReadError) as exc:
            refused = is_refused(exc)
            raise TargetError(
                f"target {self._url} "
                + ("refused the connection" if refused else "unreachable")
                + f": {exc or type(exc).__name__}",
                retryable=True,
                kind=ErrorKind.CONNECTION_REFUSED if refused else ErrorKind.UNREACHABLE,
            ) from exc

    async def _exchange(
        self, connection: _Connection, request: bytes, *, reused: bool
    ) -> RawResponse:
        keep = False
        try:
            connection.writer.write(request)
            try:
                head = await connection.reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                partial = getattr(exc, "partial", b"")
                if reused and not partial:
                    raise _StaleConnection from exc
                raise
            status, http11, headers = _parse_head(head)
            while 100 <= status < 200:  # interim answers (100 Continue): the real one follows
                head = await connection.reader.readuntil(b"\r\n\r\n")
                status, http11, headers = _parse_head(head)
            body, framed = await self._read_body(connection.reader, status, headers)
            tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
            keep = framed and http11 and "close" not in tokens
            return RawResponse(status, headers, body)
        finally:
            # Anything but a cleanly framed answer (timeout, cap, error, close-delimited body)
            # leaves the socket in an unknown state, so it is closed rather than put back.
            if keep:
                self._idle.append(connection)
            else:
                connection.close()

    async def _read_body(
        self, reader: asyncio.StreamReader, status: int, headers: dict[str, str]
    ) -> tuple[bytes, bool]:
        """The body and whether its end was framed (so the connection can be reused)."""
        if status in (204, 304):
            return b"", True
        coding = headers.get("transfer-encoding")
        if coding is not None:
            if coding.split(",")[-1].strip().lower() != "chunked":
                return await self._read_to_close(reader), False
            return await self._read_chunked(reader), True
        declared = headers.get("content-length")
        if declared is None:
            return await self._read_to_close(reader), False
        lengths = {part.strip() for part in declared.split(",")}
        if len(lengths) != 1 or not (length := lengths.pop()).isdigit():
            raise ProtocolError(f"bad content-length {declared[:40]!r}")
        if int(length) > self._max_bytes:
            raise TargetError(
                f"response of {length} bytes is over the cap of {self._max_bytes} bytes",
                kind=ErrorKind.BAD_BODY,
            )
        return await reader.readexactly(int(length)), True

    async def _read_chunked(self, reader: asyncio.StreamReader) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            line = await reader.readuntil(b"\r\n")
            try:
                length = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise ProtocolError(f"bad chunk size line {line[:40]!r}") from None
            if length == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass  # trailer fields: not used
                return b"".join(chunks)
            size += length
            if size > self._max_bytes:
                raise TargetError(
                    f"response is over the cap of {self._max_bytes} bytes",
                    kind=ErrorKind.BAD_BODY,
                )
            chunks.append(await reader.readexactly(length))
            if await reader.readexactly(2) != b"\r\n":
                raise ProtocolError("chunk not followed by CRLF")

    async def _read_to_close(self, reader: asyncio.StreamReader) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while data := await reader.read(65536):
            size += len(data)
            if size > self._max_bytes:
                raise TargetError(
                    f"response is over the cap of {self._max_bytes} bytes",
                    kind=ErrorKind.BAD_BODY,
                )
            chunks.append(data)
        return b"".join(chunks)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
        for connection in idle:
            with contextlib.suppress(Exception):
                await connection.writer.wait_closed()
