"""Load test of the running service: N concurrent clients for D seconds per endpoint against 127.0.0.1.

    S2B_HOME=... .venv/bin/s2b serve &                       # the service, with the demo data
    KEY=$(S2B_HOME=... .venv/bin/s2b keys create --role admin --rate-limit 1000000)
    S2B_HOME=... .venv/bin/python benchmarks/api_load.py --key $KEY --clients 50 --duration 30

Phases: GET /v1/merchants/{id}/restock over random merchants (the stored batch list once `s2b batch restock`
has run, else computed on demand: run the benchmark before and after the batch job to get both),
then GET /v1/catalog/search over English and Chinese queries. Prints requests, errors, throughput and the
median / p95 / p99 latency (ms) per phase. The load generator runs on the same machine as the service.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import select

from core.db import Store
from core.settings import load_settings
from core.tables import Merchant

QUERIES = [
    "red lunch bag",
    "christmas decoration",
    "heart t-light holder",
    "cake stand",
    "vintage doily",
    "paper chain kit",
    "jumbo bag",
    "wall clock",
    "children's apron",
    "glass jar",
    "ceramic mug",
    "圣诞装饰",
    "午餐袋",
    "蛋糕架",
    "心形烛台",
    "复古茶杯",
    "儿童围裙",
    "挂钟",
    "玻璃罐",
    "纸链",
]


def merchant_ids(limit: int, seed: int) -> list[str]:
    store = Store.from_settings(load_settings(), migrate_schema=False)
    with store.session() as session:
        ids = list(session.scalars(select(Merchant.id).order_by(Merchant.id)))
    store.dispose()
    random.Random(seed).shuffle(ids)
    return ids[:limit]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def phase(base: str, key: str, clients: int, duration: float, next_path: Callable[[], str]) -> dict[str, Any]:
    latencies: list[float] = []
    errors: dict[int, int] = {}
    deadline = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {key}"}, limits=limits, timeout=60
    ) as client:

        async def worker() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    response = await client.get(next_path())
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0
                if status == 200:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors[status] = errors.get(status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - started
    if not latencies:
        empty = {"ok": 0, "errors": sum(errors.values()), "rps": 0.0, "p50": 0.0, "p95": 0.0, "p99": 0.0}
        return empty | {"error_codes": errors}
    return {
        "ok": len(latencies),
        "errors": sum(errors.values()),
        "error_codes": errors,
        "rps": len(latencies) / wall,
        "p50": statistics.median(latencies) * 1000,
        "p95": percentile(latencies, 0.95) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--key", required=True, help="an admin key with a high --rate-limit")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--merchants", type=int, default=300, help="distinct merchants the restock phase asks for")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of load before measuring each phase")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--restock-source",
        choices=["auto", "batch", "on_demand"],
        default="auto",
        help="auto: the stored batch list when `s2b batch restock` has run, else computed; on_demand: always compute",
    )
    args = parser.parse_args()

    ids = merchant_ids(args.merchants, args.seed)
    rng = random.Random(args.seed)
    phases: dict[str, Callable[[], str]] = {
        f"GET restock ({args.restock_source})": lambda: (
            f"/v1/merchants/{rng.choice(ids)}/restock?k=20&source={args.restock_source}"
        ),
        "GET /v1/catalog/search": lambda: f"/v1/catalog/search?q={rng.choice(QUERIES)}&k=10",
    }
    print(f"{args.clients} clients x {args.duration:.0f} s per endpoint against {args.base_url}")
    print(f"{'endpoint':34} {'ok':>7} {'errors':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name, next_path in phases.items():
        if args.warmup:
            asyncio.run(phase(args.base_url, args.key, args.clients, args.warmup, next_path))
        r = asyncio.run(phase(args.base_url, args.key, args.clients, args.duration, next_path))
        print(
            f"{name:34} {r['ok']:>7.0f} {r['errors']:>7.0f} {r['rps']:>8.1f} "
            f"{r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f}" + (f"  {r.get('error_codes')}" if r["errors"] else "")
        )


if __name__ == "__main__":
    main()
