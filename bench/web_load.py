"""Latency of the web interface and the JSON API at portfolio scale, on PostgreSQL.

Seeds a fresh schema ``bench_web`` of the local PostgreSQL (127.0.0.1:5432, database
``test``, trust auth; dropped first) with 1,000 systems, 100,000 evidence records and
10,000 findings plus gate runs, reviews and incidents (see bench/_web_seed.py for which
rows go through the services and which are bulk-inserted), runs ``ANALYZE`` (as autovacuum
would after a bulk load), then starts the real ``ombud serve`` on a free loopback port
with 1 and then 2 workers, and drives it with 50 concurrent clients written with httpx.
Each client logs in once through the login form (its own session cookie, for pages) and
has its own read-scope API token (for /api/v1).

Two load models, both reported, because they answer different questions:

- closed: 50 clients, each sending its next request as soon as the previous answer
  arrives (no think time). This measures saturation: by Little's law the mean latency is
  about 50 / throughput whatever the code does, so on 2 cores it shows capacity, not the
  latency a user sees.
- paced (open): 50 users each sending one request per ``--interval`` seconds (default
  1 s, random phase), on schedule whether or not earlier answers have arrived; latency
  is timed from the scheduled moment, so a stalled server cannot hide its backlog
  (no coordinated omission). This is the "50 concurrent users" reading of the target.

Per endpoint and model: ``--warmup`` seconds unrecorded, then ``--seconds`` recorded.
The load client runs on the same 2 cores as the server and PostgreSQL, so it takes CPU
from them; its figures are an upper bound on what a separate client would see.

Needs: PostgreSQL as above; httpx (already a dependency). Installs nothing.
Run: ``python bench/web_load.py [--workers 1,2] [--warmup 5] [--seconds 20]``
(``--reuse`` skips seeding when the schema is already seeded by an earlier run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
import psycopg

from ombud.services import auth
from ombud.services.context import open_context
from ombud.services.workspaces import init_workspace
from ombud.store import open_workspace

sys.path.insert(0, str(Path(__file__).parent))
from _web_seed import seed_portfolio

PG = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_web"
USER = "lena"
PASSWORD = "bench-password-0123456789"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _url() -> str:
    return f"{PG}?options=-csearch_path%3D{SCHEMA}"


def prepare(root: Path, reuse: bool) -> dict[str, Any]:
    """The seeded workspace at ``root`` (PostgreSQL schema ``bench_web``)."""
    if reuse and (root / "ombud-workspace.toml").exists():
        return {"reused": True}
    shutil.rmtree(root, ignore_errors=True)
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{SCHEMA}"')
    workspace, _, _ = init_workspace(root, database_url=_url(), admin="ada", os_user="bench")
    context = open_context(workspace)
    try:
        summary = seed_portfolio(context)
        auth.set_password(context, context.actor("ada"), USER, PASSWORD)
    finally:
        context.close()
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'SET search_path = "{SCHEMA}"')
        conn.execute("ANALYZE")
    return summary


def tokens(root: Path, count: int) -> list[str]:
    context = open_context(open_workspace(root, _url()))
    try:
        admin = context.actor("ada")
        return [
            auth.issue_token(context, admin, USER, ["read"], name=f"bench-{i}")[0]
            for i in range(count)
        ]
    finally:
        context.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(root: Path, workers: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    ombud = Path(sys.executable).with_name("ombud")
    command = [str(ombud), "-w", str(root), "--db", _url(), "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    server = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            raise SystemExit(f"ombud serve exited; see {log}")
        time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"ombud serve did not answer within 120 s; see {log}")


async def login(client: httpx.AsyncClient) -> None:
    page = await client.get("/login")
    match = CSRF.search(page.text)
    if match is None:
        raise SystemExit("the login page carries no CSRF token")
    form = {"username": USER, "password": PASSWORD, "csrf_token": match.group(1), "next": "/"}
    answer = await client.post("/login", data=form)
    if answer.status_code != 303:
        raise SystemExit(f"login failed with {answer.status_code}: {answer.text[:200]}")


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        values = sorted(self.latencies)

        def pct(q: float) -> float:
            if not values:
                return float("nan")
            return round(1000 * values[min(len(values) - 1, int(q * len(values)))], 1)

        return {
            "requests": len(values) + self.errors,
            "errors": self.errors,
            "throughput": round((len(values) + self.errors) / self.seconds, 1),
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "max_ms": round(1000 * values[-1], 1) if values else float("nan"),
        }


@dataclass
class Client:
    http: httpx.AsyncClient
    token: str


async def _one(client: Client, path: str, tally: Tally | None, started: float) -> None:
    headers = {"Authorization": f"Bearer {client.token}"} if path.startswith("/api/") else None
    try:
        answer = await client.http.get(path, headers=headers)
        ok = answer.status_code == 200
    except httpx.HTTPError:
        ok = False
    if tally is None:
        return
    if ok:
        tally.latencies.append(time.perf_counter() - started)
    else:
        tally.errors += 1


def _paths(template: str, systems: list[str], rng: random.Random) -> str:
    return template.replace("{system}", systems[rng.randrange(len(systems))])


async def closed_loop(
    clients: list[Client], template: str, systems: list[str], warmup: float, seconds: float
) -> Tally:
    tally = Tally()
    start = time.perf_counter()
    record_from, stop = start + warmup, start + warmup + seconds

    async def run(client: Client, seed: int) -> None:
        rng = random.Random(seed)
        while (now := time.perf_counter()) < stop:
            await _one(
                client, _paths(template, systems, rng), tally if now >= record_from else None, now
            )

    await asyncio.gather(*(run(c, i) for i, c in enumerate(clients)))
    tally.seconds = seconds
    return tally


async def paced(
    clients: list[Client],
    template: str,
    systems: list[str],
    warmup: float,
    seconds: float,
    interval: float,
) -> Tally:
    """Each client fires on its own schedule; latency counts from the scheduled moment."""
    tally = Tally()
    start = time.perf_counter()
    record_from, stop = start + warmup, start + warmup + seconds
    pending: set[asyncio.Task[None]] = set()

    async def user(client: Client, seed: int) -> None:
        rng = random.Random(seed)
        due = start + rng.uniform(0, interval)
        while due < stop:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            task = asyncio.create_task(
                _one(
                    client,
                    _paths(template, systems, rng),
                    tally if due >= record_from else None,
                    due,
                )
            )
            pending.add(task)
            task.add_done_callback(pending.discard)
            due += interval

    await asyncio.gather(*(user(c, i) for i, c in enumerate(clients)))
    if pending:
        await asyncio.gather(*pending)
    tally.seconds = seconds
    return tally


async def drain(client: Client, limit: float = 180.0) -> float:
    """Wait until the server is idle again: an overloaded run leaves requests queued on
    the server after the client gave up on them, and they would slow the next run. Idle
    means a cheap page (the login form) answers within 50 ms three times in a row."""
    started = time.perf_counter()
    quick = 0
    while quick < 3 and time.perf_counter() - started < limit:
        sent = time.perf_counter()
        try:
            await client.http.get("/login", timeout=limit)
            quick = quick + 1 if time.perf_counter() - sent < 0.05 else 0
        except httpx.HTTPError:
            quick = 0
        await asyncio.sleep(0.2)
    return round(time.perf_counter() - started, 1)


ENDPOINTS = (
    ("dashboard", "/"),
    ("system page", "/systems/{system}"),
    ("systems list page", "/systems"),
    ("findings page (overdue)", "/findings?overdue=true"),
    ("GET /api/v1/systems", "/api/v1/systems"),
    ("GET /api/v1/findings", "/api/v1/findings"),
    ("GET /api/v1/systems/{id}/evidence", "/api/v1/systems/{system}/evidence"),
    ("GET /api/v1/reviews", "/api/v1/reviews"),
    ("GET /api/v1/incidents", "/api/v1/incidents"),
    ("GET /api/v1/systems/{id}/gate", "/api/v1/systems/{system}/gate"),
)


async def drive(base: str, tokens_: list[str], args: argparse.Namespace) -> list[dict[str, Any]]:
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=1000)
    timeout = httpx.Timeout(60.0)
    clients = [
        Client(httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout), t) for t in tokens_
    ]
    try:
        for i in range(0, len(clients), 4):  # argon2 is slow on purpose: a few at a time
            await asyncio.gather(*(login(c.http) for c in clients[i : i + 4]))
        first = await clients[0].http.get(
            "/api/v1/systems",
            params={"limit": 1000},
            headers={"Authorization": f"Bearer {clients[0].token}"},
        )
        systems = [s["id"] for s in first.json()["items"]]
        rows = []
        for name, template in ENDPOINTS:
            if args.only and not any(o in name for o in args.only):
                continue
            closed = await closed_loop(clients, template, systems, args.warmup, args.seconds)
            rows.append({"endpoint": name, "model": "closed", **closed.summary()})
            rows[-1]["drain_s"] = await drain(clients[0])
            print(json.dumps(rows[-1]), flush=True)
            paced_ = await paced(
                clients, template, systems, args.warmup, args.seconds, args.interval
            )
            rows.append(
                {"endpoint": name, "model": f"paced {args.interval:g}s", **paced_.summary()}
            )
            rows[-1]["drain_s"] = await drain(clients[0])
            print(json.dumps(rows[-1]), flush=True)
        return rows
    finally:
        await asyncio.gather(*(c.http.aclose() for c in clients))


def machine() -> dict[str, Any]:
    with psycopg.connect(PG) as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.split("\n")[1]
    packages = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "psycopg", "jinja2", "httpx")
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": os.cpu_count(),
        "memory": " ".join(memory.split()),
        "load_average": os.getloadavg(),
        "postgresql": pg_version[0] if pg_version else "?",
        "python": platform.python_version(),
        "packages": {p: metadata.version(p) for p in packages},
    }


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # so that the server is stopped by the finally below


def main() -> None:
    signal.signal(signal.SIGTERM, _stop)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2", help="worker counts to try, comma-separated")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--interval", type=float, default=1.0, help="paced: seconds per request")
    parser.add_argument("--root", type=Path, default=Path(tempfile.gettempdir()) / "ombud-web-load")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded workspace")
    parser.add_argument("--only", nargs="*", help="endpoint name fragments to run")
    parser.add_argument("--out", type=Path, help="write every figure as JSON here")
    args = parser.parse_args()

    started = time.perf_counter()
    print("seeding ...", flush=True)
    seeded = prepare(args.root, args.reuse)
    print(json.dumps({"seeded": seeded, "seconds": round(time.perf_counter() - started)}))
    keys = tokens(args.root, args.clients)
    report: dict[str, Any] = {"machine": machine(), "seeded": seeded, "runs": {}}
    for workers in (int(w) for w in args.workers.split(",")):
        log = args.root.parent / f"ombud-web-load-serve-{workers}.log"
        server, base = start_server(args.root, workers, log)
        try:
            print(f"--- {workers} worker(s) at {base}", flush=True)
            report["runs"][str(workers)] = asyncio.run(drive(base, keys, args))
        finally:
            server.terminate()
            server.wait(timeout=30)
    report["machine"]["load_average_end"] = os.getloadavg()
    print(json.dumps(report["machine"]))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
