"""Throughput of the red-team runner against a local server that answers after 50 ms.

Little's law bounds throughput at concurrency / latency = 64 / 0.05 s = 1,280
attempts/s. The server runs in its own process (so it does not share our GIL); what
it sustains is measured first with a bare asyncio keep-alive client, and Ombud's
throughput is reported against the smaller of the two bounds. The machine may be
shared, so the reference is measured again right before each Ombud run. Harness CPU time per
attempt is the process CPU time of the run divided by the attempts.

Run: ``python bench/redteam_throughput.py [--concurrency 64] [--repeat 3] [--via-httpx]``

``--via-httpx`` measures the alternative to the hand-written keep-alive client that
docs/redteam.md weighs: the same ``KeepAlivePool`` wrapped as an httpx transport behind
``httpx.AsyncClient`` (the best case for such a transport: it reuses the pool's prebuilt
request line, so any gap is httpx's own per-request cost).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from ombud.redteam import (
    CallableTarget,
    OpenAIChatTarget,
    Plan,
    RunSettings,
    build_plan,
    detector_registry,
    mutator_registry,
    probe_registry,
    run_plan,
)
from ombud.redteam.targets._fasthttp import KeepAlivePool
from ombud.redteam.testing import ChatServer, fixed_delay_responder

DELAY = 0.05


def _serve(port_queue: multiprocessing.Queue[int], stop: multiprocessing.Event) -> None:  # type: ignore[type-arg]
    server = ChatServer(fixed_delay_responder(DELAY)).start()
    port_queue.put(server.port)
    stop.wait()
    server.stop()


async def _raw_client(port: int, concurrency: int, seconds: float) -> float:
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).encode()
    request = (
        f"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n"
        f"content-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
    ).encode() + body
    done = 0
    deadline = time.perf_counter() + seconds

    async def one() -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.perf_counter() < deadline:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            done += 1
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(concurrency)))
    return done / (time.perf_counter() - started)


class _PoolTransport(httpx.AsyncBaseTransport):
    """``KeepAlivePool`` as an httpx transport: what "the keep-alive client as an httpx
    transport" would cost, measured rather than guessed."""

    def __init__(self, pool: KeepAlivePool) -> None:
        self._pool = pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raw = await self._pool.post(await request.aread())
        return httpx.Response(
            raw.status,
            headers=list(raw.headers.items()),
            stream=httpx.ByteStream(raw.body),
            request=request,
        )


def _target(url: str, via_httpx: bool) -> OpenAIChatTarget:
    target = OpenAIChatTarget(base_url=url, model="m")
    if not via_httpx:
        return target
    # Bench-only surgery: send the plain-http path through httpx over the same pool.
    pool = target._fast
    assert pool is not None
    target._fast = None
    transport = _PoolTransport(pool)

    def new_client() -> httpx.AsyncClient:
        client = httpx.AsyncClient(timeout=60.0, transport=transport)
        target._all.append(client)
        return client

    target._new_client = new_client  # type: ignore[method-assign]
    return target


def _plan(copies: int) -> Plan:
    """Every single-turn built-in probe under every single mutator, repeated ``copies`` times."""
    single_turn = [
        p for p in probe_registry().values() if all(len(a.user_turns) == 1 for a in p.attempts())
    ]
    chains = [[m] for m in mutator_registry().values() if m.id != "many_shot"]
    plan = build_plan(single_turn, chains)
    return Plan(plan.attempts * copies, plan.problems)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--copies", type=int, default=4, help="plan size multiplier")
    parser.add_argument(
        "--via-httpx", action="store_true", help="keep-alive pool behind httpx.AsyncClient"
    )
    args = parser.parse_args()
    ports: multiprocessing.Queue[int] = multiprocessing.Queue()  # type: ignore[type-arg]
    stop = multiprocessing.Event()
    process = multiprocessing.Process(target=_serve, args=(ports, stop), daemon=True)
    process.start()
    port = ports.get(timeout=30)
    try:
        bound = args.concurrency / DELAY
        plan = _plan(args.copies)
        rates, shares, cpu, sustained_runs = [], [], [], []
        for _ in range(args.repeat):
            # The machine is shared, so what the server sustains is measured right before each
            # Ombud run and each run is compared with its own reference.
            sustained = asyncio.run(_raw_client(port, args.concurrency, 3.0))
            with tempfile.TemporaryDirectory() as folder:
                target = _target(f"http://127.0.0.1:{port}/v1", args.via_httpx)
                cpu0, wall0 = time.process_time(), time.perf_counter()
                ran = run_plan(
                    Path(folder),
                    plan,
                    target,
                    detector_registry(),
                    RunSettings(concurrency=args.concurrency),
                )
                wall, used = time.perf_counter() - wall0, time.process_time() - cpu0
            sustained_runs.append(sustained)
            rates.append(ran / wall)
            shares.append(ran / wall / min(bound, sustained))
            cpu.append(used / ran * 1000)

        # The same plan through a Python callable that sleeps 50 ms: the harness without HTTP.
        async def sleepy(turns: object) -> str:
            await asyncio.sleep(DELAY)
            return "I cannot help with that."

        with tempfile.TemporaryDirectory() as folder:
            cpu0, wall0 = time.process_time(), time.perf_counter()
            ran_local = run_plan(
                Path(folder),
                plan,
                CallableTarget(sleepy),
                detector_registry(),
                RunSettings(concurrency=args.concurrency),
            )
            local_rate = ran_local / (time.perf_counter() - wall0)
            local_cpu = (time.process_time() - cpu0) / ran_local * 1000
        print(
            f"attempts per run: {ran}; concurrency {args.concurrency}; "
            f"server delay {DELAY * 1000:.0f} ms; load average {os.getloadavg()[0]:.1f} "
            f"on {os.cpu_count()} CPUs"
        )
        print(
            f"Little's-law bound: {bound:.0f}/s; server sustains (bare client, before each run): "
            + ", ".join(f"{s:.0f}" for s in sustained_runs)
            + "/s"
        )
        print(
            (
                "Ombud over HTTP via httpx + pool transport: "
                if args.via_httpx
                else "Ombud over HTTP: "
            )
            + ", ".join(f"{r:.0f}/s ({s:.0%})" for r, s in zip(rates, shares, strict=True))
            + f"; median share {statistics.median(shares):.0%} of the smaller bound"
        )
        print(f"harness CPU per attempt: median {statistics.median(cpu):.2f} ms")
        print(
            f"without HTTP (callable target, 50 ms): {local_rate:.0f}/s = "
            f"{local_rate / bound:.0%} of {bound:.0f}/s, CPU {local_cpu:.2f} ms/attempt"
        )
    finally:
        stop.set()
        process.join(timeout=10)


if __name__ == "__main__":
    main()
