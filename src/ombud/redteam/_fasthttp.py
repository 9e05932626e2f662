"""A lean HTTP/1.1 keep-alive client for plain-http targets (loopback or LAN).

Why not httpx here: at 64 requests in flight httpx and its connection layer cost about
1.7–1.9 ms of CPU per request on the benchmark machine, which capped one event loop
at under half of what a 50 ms server sustains. A red-team run sends thousands of
small JSON POSTs to one host, so a pool of keep-alive connections on asyncio streams,
with h11 (httpx's own HTTP/1.1 parser) doing the protocol, is all that is needed.
https and proxied targets keep using httpx, which handles TLS and proxies properly.

Only the transport is here; status codes, size caps, UTF-8 and JSON are classified by
``_http.classify_response`` so both clients report trouble identically.
"""

from __future__ import annotations

import asyncio
import contextlib
import urllib.parse
import urllib.request

import h11

from ombud.redteam._errors import TargetError

__all__ = ["KeepAlivePool", "RawResponse", "can_use_fast_client"]

_READ_SIZE = 65536


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


class _Connection:
    __slots__ = ("protocol", "reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.protocol = h11.Connection(h11.CLIENT)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()


class _StaleConnection(Exception):
    """A reused connection closed before any response byte: safe to send again once."""


class KeepAlivePool:
    """POSTs to one ``http://host:port/path``, reusing idle connections (LIFO)."""

    def __init__(self, url: str, *, timeout: float, max_bytes: int) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise TargetError(f"{url} is not a plain http URL")
        self._url = url
        self._host = parts.hostname
        self._port = parts.port or 80
        target = parts.path or "/"
        self._target = (target + (f"?{parts.query}" if parts.query else "")).encode()
        self._host_header = parts.netloc.encode()
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._idle: list[_Connection] = []

    async def post(self, body: bytes, headers: list[tuple[bytes, bytes]]) -> RawResponse:
        """Send one POST; raises ``TargetError`` (retryable) on timeouts and socket trouble."""
        all_headers = [
            (b"host", self._host_header),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *headers,
        ]
        try:
            async with asyncio.timeout(self._timeout):
                while self._idle:
                    connection = self._idle.pop()
                    try:
                        return await self._exchange(connection, body, all_headers, reused=True)
                    except _StaleConnection:
                        continue
                connection = await self._connect()
                return await self._exchange(connection, body, all_headers, reused=False)
        except TimeoutError as exc:
            raise TargetError(
                f"target {self._url} timed out after {self._timeout}s", retryable=True
            ) from exc
        except (OSError, h11.ProtocolError, asyncio.IncompleteReadError) as exc:
            raise TargetError(
                f"target {self._url} unreachable: {exc or type(exc).__name__}", retryable=True
            ) from exc

    async def _connect(self) -> _Connection:
        reader, writer = await asyncio.open_connection(self._host, self._port)
        return _Connection(reader, writer)

    async def _exchange(
        self,
        connection: _Connection,
        body: bytes,
        headers: list[tuple[bytes, bytes]],
        *,
        reused: bool,
    ) -> RawResponse:
        keep = False
        try:
            response = await self._roundtrip(connection, body, headers, reused=reused)
            protocol = connection.protocol
            if protocol.our_state is h11.DONE and protocol.their_state is h11.DONE:
                protocol.start_next_cycle()
                keep = True
            return response
        finally:
            # Anything but a clean end of message (timeout, cap, error) leaves the socket in
            # an unknown state, so it is closed rather than put back.
            if keep:
                self._idle.append(connection)
            else:
                connection.close()

    async def _roundtrip(
        self,
        connection: _Connection,
        body: bytes,
        headers: list[tuple[bytes, bytes]],
        *,
        reused: bool,
    ) -> RawResponse:
        protocol = connection.protocol
        request = h11.Request(method=b"POST", target=self._target, headers=headers)
        connection.writer.write(
            protocol.send(request)
            + protocol.send(h11.Data(data=body))
            + protocol.send(h11.EndOfMessage())
        )
        status = 0
        response_headers: dict[str, str] = {}
        chunks: list[bytes] = []
        size = 0
        received_any = False
        while True:
            event = protocol.next_event()
            if event is h11.NEED_DATA:
                try:
                    data = await connection.reader.read(_READ_SIZE)
                except ConnectionError:
                    if reused and not received_any:
                        raise _StaleConnection from None
                    raise
                if not data and reused and not received_any:
                    raise _StaleConnection
                received_any = True
                protocol.receive_data(data)
            elif isinstance(event, h11.Response):
                status = event.status_code
                response_headers = {k.decode(): v.decode("latin-1") for k, v in event.headers}
                declared = response_headers.get("content-length")
                if declared is not None and declared.isdigit() and int(declared) > self._max_bytes:
                    raise TargetError(
                        f"response of {declared} bytes is over the cap of {self._max_bytes} bytes"
                    )
            elif isinstance(event, h11.Data):
                size += len(event.data)
                if size > self._max_bytes:
                    raise TargetError(f"response is over the cap of {self._max_bytes} bytes")
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return RawResponse(status, response_headers, b"".join(chunks))
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionResetError("server closed the connection mid-response")
            # InformationalResponse (100 Continue) and others: keep reading.

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
        for connection in idle:
            with contextlib.suppress(Exception):
                await connection.writer.wait_closed()
