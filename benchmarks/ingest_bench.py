"""Ingestion throughput: the full demo file into a fresh store, end to end (parse + validate + write).

    .venv/bin/python -m benchmarks.ingest_bench [--repeat 3] [--database-url URL]

Prints median/min seconds and rows/s for a first ingest and for an idempotent re-ingest of the same file.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from core.db import Store
from core.settings import load_settings
from ingestion.orders import ingest_orders


def _fresh_store(base_url: str | None, workdir: Path, run: int) -> Store:
    if base_url is None:
        return Store(f"sqlite:///{workdir / f'bench-{run}.db'}")
    name = f"s2b_bench_{run}_{int(time.time())}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return Store(base_url.rsplit("/", 1)[0] + "/" + name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=load_settings(home=Path(tempfile.gettempdir())).demo_data)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", help="admin URL of a PostgreSQL server (default: SQLite file)")
    args = parser.parse_args()
    first: list[float] = []
    again: list[float] = []
    first_cpu: list[float] = []
    again_cpu: list[float] = []
    rows = 0
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.repeat):
            store = _fresh_store(args.database_url, Path(tmp), run)
            store.migrate()
            cpu = time.process_time()
            summary = ingest_orders(store, args.file)
            first_cpu.append(time.process_time() - cpu)
            rows = summary.rows_read
            first.append(summary.seconds)
            cpu = time.process_time()
            again.append(ingest_orders(store, args.file).seconds)
            again_cpu.append(time.process_time() - cpu)
            store.dispose()
    backend = "postgresql" if args.database_url else "sqlite"
    print(f"ingest {args.file.name}: {rows:,} rows, backend {backend}, {args.repeat} runs")
    print("(cpu s = this process's CPU time: less sensitive to other load on a shared machine than wall time)")
    print("| run | median wall s | min wall s | median rows/s | median cpu s |")
    print("|---|---|---|---|---|")
    for label, times, cpus in (("first ingest", first, first_cpu), ("re-ingest (no-op)", again, again_cpu)):
        median = statistics.median(times)
        print(f"| {label} | {median:.2f} | {min(times):.2f} | {rows / median:,.0f} | {statistics.median(cpus):.2f} |")


if __name__ == "__main__":
    main()
