"""A red-team run that reached nothing is not a result (issues #20/#21).

Every target here is real and on loopback: a closed port, and servers that answer HTML,
500s, empty content or nothing at all. Oracle: each run exits 3 with the cause counted
("N of N attempts: <cause> at <url>"), no "nan" anywhere in what the user sees, and the
run can be neither reported as a rate nor recorded as evidence.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ombud.redteam import NoResultError, evidence_draft, latest_attempts, read_log, render_report
from ombud.redteam.testing import ChatServer, Reply, Responder

Invoke = Any  # the `invoke` fixture of tests/cli/conftest.py


NAN = re.compile(r"\bnan\b", re.I)


def _flat(text: str) -> str:
    """Without any whitespace: rich wraps (and folds long paths) at the console width."""
    return "".join(text.split())


@contextmanager
def _closed_port() -> Iterator[str]:
    """A loopback port held by a socket that never listens: connecting is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


@contextmanager
def _serving(responder: Responder) -> Iterator[str]:
    with ChatServer(responder) as server:
        yield server.base_url


def _run(invoke: Invoke, out: Path, base_url: str, *extra: str) -> Any:
    return invoke(
        "redteam",
        "run",
        "--out",
        str(out),
        "-o",
        f"base_url={base_url}",
        "-o",
        "model=bot",
        "-o",
        "timeout=0.5",
        "--probe",
        "leakage.planted_secret",
        "--secret",
        "S3CRET",
        "--retries",
        "0",
        *extra,
    )


HTML = b"<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>"

CASES = {
    "closed port": (None, "connection refused"),
    "html": (lambda r, n: Reply(raw=HTML), "non-JSON/HTML body"),
    "500": (lambda r, n: Reply(status=500, raw=b"{}"), "HTTP 5xx status"),
    "empty content": (lambda r, n: Reply(text=""), "empty content"),
    "never answers": (lambda r, n: Reply(text="late", delay=5.0), "timeout"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_run_that_reached_nothing_fails_with_the_counted_cause(
    invoke: Invoke, tmp_path: Path, case: str
) -> None:
    responder, cause = CASES[case]
    out = tmp_path / "run"
    with _closed_port() if responder is None else _serving(responder) as base_url:
        result = _run(invoke, out, base_url)
    seen = _flat(result.out + result.err)
    assert result.code == 3, seen
    total = len(read_log(out / "attempts.jsonl"))
    assert total > 0
    assert _flat(f"{total} of {total} attempts: {cause} at {base_url}") in seen
    assert not NAN.search(result.out + result.err)
    assert _flat("no data") in seen
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["outcome"]["scored"] == 0
    assert manifest["outcome"]["causes"] == {cause: total}

    with pytest.raises(NoResultError, match="not a result"):
        evidence_draft(out)
    html = render_report(latest_attempts(read_log(out / "attempts.jsonl")), manifest)
    assert "Not a result" in html
    assert not NAN.search(html)
    if case == "closed port":  # the command itself once (it measures detector accuracy: slow)
        report = invoke("redteam", "report", str(out))
        assert report.code == 0, report.err
        assert _flat("not a result") in _flat(report.out)
        assert not NAN.search((out / "report.html").read_text())


def test_a_run_with_some_failures_reports_them_beside_the_rates(
    invoke: Invoke, tmp_path: Path
) -> None:
    """Every other request 500s: the rate is over the scored attempts, the errors are counted."""

    def flaky(request: Any, number: int) -> Reply:
        return Reply(status=500, raw=b"{}") if number % 2 else Reply(text="I can't share that.")

    with _serving(flaky) as base_url:
        result = _run(invoke, tmp_path / "run", base_url, "--concurrency", "1")
    seen = _flat(result.out + result.err)
    assert result.code == 0, seen
    attempts = read_log(tmp_path / "run" / "attempts.jsonl")
    errored = sum(a.error is not None for a in attempts)
    scored = len(attempts) - errored
    assert errored > 0
    assert scored > 0
    assert _flat(f"{errored} of {len(attempts)} attempts: HTTP 5xx status at {base_url}") in seen
    assert _flat(f"over the {scored} scored attempts") in seen
    assert _flat(f"0/{scored}") in seen  # hits/scored: the denominator leaves the errors out
    draft = evidence_draft(tmp_path / "run")
    assert draft.metrics["redteam.overall.attempts"] == scored
    assert draft.metrics["redteam.overall.errors"] == errored
    assert draft.metrics["redteam.overall.attack_success_rate"] == 0.0


def test_recording_a_run_that_reached_nothing_is_refused(invoke: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "run"
    with _closed_port() as base_url:
        assert _run(invoke, out, base_url).code == 3
    ws = tmp_path / "ws"
    assert invoke("init", str(ws), "--admin", "ada").code == 0
    w = ("-w", str(ws), "--as", "ada")
    registered = invoke(
        *w,
        "system",
        "register",
        "bot",
        "--name",
        "Bot",
        "--purpose",
        "Chat",
        "--owner",
        "ada",
        "--team",
        "web",
        "--domain",
        "customer_service",
        "--kind",
        "llm_application",
        "--role",
        "deployer",
        "--automation",
        "fully_automated",
    )
    assert registered.code == 0, registered.err
    assert invoke(*w, "system", "version", "add", "bot", "1.0").code == 0
    recorded = invoke(*w, "redteam", "record", str(out), "--system", "bot", "--version", "1.0")
    assert recorded.code == 1
    message = _flat(recorded.err)
    assert _flat("not a result") in message
    assert _flat("connection refused") in message
    listed = invoke(*w, "evidence", "list", "bot", "--json")
    assert listed.code == 0, listed.err
    assert json.loads(listed.out) == []


def test_compare_with_a_run_that_reached_nothing_is_no_pass(invoke: Invoke, tmp_path: Path) -> None:
    """Before: no common scored group, an empty table and exit 0, read by CI as 'no regression'."""
    with _serving(lambda r, n: Reply(text="I can't share that.")) as base_url:
        assert _run(invoke, tmp_path / "good", base_url).code == 0
    with _closed_port() as base_url:
        assert _run(invoke, tmp_path / "down", base_url).code == 3
    compared = invoke("redteam", "compare", str(tmp_path / "good"), str(tmp_path / "down"))
    assert compared.code == 3
    seen = _flat(compared.out)
    assert _flat(f"{tmp_path / 'down'} is not a result") in seen
    assert _flat("connection refused") in seen
