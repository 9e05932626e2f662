"""One place that turns HTTP trouble into ``TargetError`` with a clear message.

Both HTTP targets (OpenAI-compatible and generic REST) share it, so a 429 with
``Retry-After``, a 403, an oversized or non-UTF-8 body are classified the same way
and the runner's retry policy only has to look at ``retryable`` and ``retry_after``.
"""

from __future__ import annotations

import email.utils
import errno
import json
import time
from collections.abc import Mapping
from typing import Any

import httpx

from ombud.redteam.core import ErrorKind, TargetAuthError, TargetError

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "classify_response",
    "is_refused",
    "parse_retry_after",
    "post_json",
]

DEFAULT_MAX_RESPONSE_BYTES = 1 << 20


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def is_refused(exc: BaseException) -> bool:
    """Whether a socket error (or one it was raised from) is a refused connection."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, ConnectionRefusedError) or (
            isinstance(seen, OSError) and seen.errno == errno.ECONNREFUSED
        ):
            return True
        if f"[Errno {errno.ECONNREFUSED}]" in str(seen) or "refused" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def post_json(
    client: httpx.AsyncClient,
    url: str,
    payload: Any,
    *,
    headers: Mapping[str, str],
    max_bytes: int,
) -> Any:
    """POST ``payload`` as JSON and return the decoded JSON body, or raise ``TargetError``."""
    try:
        request = client.build_request("POST", url, json=payload, headers=dict(headers))
        response = await client.send(request, stream=True)
        try:
            body = await _read_capped(response, max_bytes)
        finally:
            await response.aclose()
    except httpx.TimeoutException as exc:
        raise TargetError(
            f"target {url} timed out ({type(exc).__name__})",
            retryable=True,
            kind=ErrorKind.TIMEOUT,
        ) from exc
    except httpx.TransportError as exc:
        refused = is_refused(exc)
        raise TargetError(
            f"target {url} "
            + ("refused the connection" if refused else "unreachable")
            + f": {exc or type(exc).__name__}",
            retryable=True,
            kind=ErrorKind.CONNECTION_REFUSED
            if refused
            else ErrorKind.MALFORMED_HTTP
            if isinstance(exc, httpx.ProtocolError)
            else ErrorKind.UNREACHABLE,
        ) from exc
    return classify_response(url, response.status_code, response.headers.get("retry-after"), body)


def classify_response(url: str, status: int, retry_after: str | None, body: bytes) -> Any:
    """The decoded JSON body of a 2xx/3xx answer, or the ``TargetError`` its status calls for."""
    if status in (401, 403):
        raise TargetAuthError(
            f"target {url} answered {status}: check the API key or its environment variable"
        )
    if status == 429 or status >= 500:
        raise TargetError(
            f"target {url} answered {status}",
            retryable=True,
            retry_after=parse_retry_after(retry_after),
            kind=ErrorKind.HTTP_429 if status == 429 else ErrorKind.HTTP_5XX,
        )
    if status >= 400:
        raise TargetError(
            f"target {url} answered {status}: {body[:200]!r}", kind=ErrorKind.HTTP_4XX
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TargetError(
            f"target {url} sent a body that is not valid UTF-8 ({exc})", kind=ErrorKind.BAD_BODY
        ) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TargetError(
            f"target {url} sent a body that is not JSON: {text[:80]!r}", kind=ErrorKind.NOT_JSON
        ) from exc


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise TargetError(
            f"response of {declared} bytes is over the cap of {max_bytes} bytes",
            kind=ErrorKind.BAD_BODY,
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        size += len(chunk)
        if size > max_bytes:
            raise TargetError(
                f"response is over the cap of {max_bytes} bytes", kind=ErrorKind.BAD_BODY
            )
        chunks.append(chunk)
    return b"".join(chunks)
