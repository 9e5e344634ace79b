"""Loader benchmark: how close the Zoho target connector gets to a known rate ceiling.

A Zoho sandbox enforces `--ceiling` calls per second (sliding window, concurrency 10). A
producer streams records into a bounded queue, one batcher cuts them into full batches of 100,
and `--workers` loaders send the batches with the connector, whose rate budget is set to the
same ceiling. After `--duration` seconds the producer stops and the pipeline drains.

Printed: calls/s achieved as a ratio of the ceiling (goal >= 0.95), the share of calls answered
429 (goal <= 1%), and whether any batch smaller than the maximum was sent except the last.

    python benchmarks/bench_loader.py                      # 5 s, in-process (ASGI transport)
    python benchmarks/bench_loader.py --duration 30 --http # over HTTP: uvicorn in another process

Calls and 429s are counted by the client (the connector's stats), so both modes measure the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import time
from typing import Any

import httpx

from migc.connectors import zoho_crm
from migc.connectors.ratelimit import RateBudget
from migc.sandbox import zoho_crm as zoho_sandbox
from migc.sandbox.base import RateLimitConfig, SandboxConfig
from migc.sandbox.registry import sandbox_settings
from migc.sandbox.serve import LOOPBACK, build_server
from migc.sandbox.store import Store

BATCH = zoho_crm.MAX_RECORDS_PER_CALL
CONCURRENCY = 10


async def produce(queue: asyncio.Queue[dict[str, Any] | None], duration: float) -> int:
    """Records as fast as the queue takes them, for `duration` seconds; then a stop mark."""
    deadline = time.monotonic() + duration
    produced = 0
    while time.monotonic() < deadline:
        await queue.put({"Last_Name": f"Bench {produced}", "Email": f"bench{produced}@example.com"})
        produced += 1
    await queue.put(None)
    return produced


async def cut_batches(records: asyncio.Queue[dict[str, Any] | None], batches: asyncio.Queue[list[dict[str, Any]] | None], workers: int) -> None:
    """Full batches only; the last one may be short."""
    batch: list[dict[str, Any]] = []
    while (record := await records.get()) is not None:
        batch.append(record)
        if len(batch) == BATCH:
            await batches.put(batch)
            batch = []
    if batch:
        await batches.put(batch)
    for _ in range(workers):
        await batches.put(None)


async def load(connector: zoho_crm.ZohoCrmConnector, batches: asyncio.Queue[list[dict[str, Any]] | None], sizes: list[int], ok: list[int]) -> None:
    while (batch := await batches.get()) is not None:
        sizes.append(len(batch))
        results = await connector.create("Contacts", batch)
        ok.append(sum(1 for result in results if result.ok))


def sandbox_config(ceiling: int) -> SandboxConfig:
    return SandboxConfig(rate_limit=RateLimitConfig(calls=ceiling, per_seconds=1.0, concurrency=CONCURRENCY))


def serve_in_child(port: int, ceiling: int) -> None:
    build_server("zoho_crm", port=port, config=sandbox_config(ceiling), log_level="warning").run()


async def wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection(LOOPBACK, port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        return
    raise RuntimeError("the sandbox server did not start")


async def run(args: argparse.Namespace) -> None:
    store = Store()
    child = None
    if args.http:
        with socket.socket() as probe:
            probe.bind((LOOPBACK, 0))
            port = probe.getsockname()[1]
        child = multiprocessing.Process(target=serve_in_child, args=(port, args.ceiling), daemon=True)
        child.start()
        await wait_for_port(port)
        transport = None
        origin = f"http://{LOOPBACK}:{port}"
    else:
        transport = httpx.ASGITransport(app=zoho_sandbox.create_app(sandbox_config(args.ceiling), store))
        origin = "http://sandbox.invalid"
    budget = RateBudget(calls=args.ceiling, per_seconds=1.0, concurrency=CONCURRENCY)
    settings = sandbox_settings("zoho_crm", origin=origin, budget=budget, seed=1)
    records: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=BATCH * 2)
    batch_queue: asyncio.Queue[list[dict[str, Any]] | None] = asyncio.Queue(maxsize=args.workers)
    sizes: list[int] = []
    ok: list[int] = []
    async with zoho_crm.connect(settings, transport=transport) as connector:
        started = time.monotonic()
        produced, *_ = await asyncio.gather(
            produce(records, args.duration),
            cut_batches(records, batch_queue, args.workers),
            *(load(connector, batch_queue, sizes, ok) for _ in range(args.workers)),
        )
        elapsed = time.monotonic() - started
        stats = connector.stats()
        limiter = connector.http.limiter
    if child is not None:
        child.terminate()
        child.join(timeout=10)

    calls = stats.requests
    throttled = stats.throttled
    accepted = calls - throttled
    calls_per_second = accepted / elapsed
    short_batches = [size for size in sizes[:-1] if size < BATCH] if sizes else []
    print(f"transport            {'http (uvicorn, loopback)' if args.http else 'in-process (ASGI)'}")
    stored = store.count("Contacts") if not args.http else "(in the child)"
    print(f"duration             {elapsed:.1f} s, {produced} records produced, {sum(ok)} loaded, {stored} stored")
    print(f"calls accepted       {accepted} ({calls_per_second:.2f}/s against a ceiling of {args.ceiling}/s)")
    print(f"ceiling ratio        {calls_per_second / args.ceiling:.3f}   (goal >= 0.95)")
    print(f"429 share            {throttled / max(1, calls):.2%}   ({throttled} of {calls} calls; goal <= 1%)")
    print(f"short batches        {len(short_batches)} before the last (sizes {sorted(set(sizes))}); last batch {sizes[-1] if sizes else 0}")
    print(f"client               {stats.retries} retries {stats.retries_by_reason}; limiter held {limiter.waits} starts for {limiter.waited_seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of producing (20-60 for a real measurement)")
    parser.add_argument("--ceiling", type=int, default=10, help="sandbox calls per second")
    parser.add_argument("--workers", type=int, default=CONCURRENCY, help="concurrent loaders")
    parser.add_argument("--http", action="store_true", help="serve the sandbox with uvicorn instead of in-process")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
