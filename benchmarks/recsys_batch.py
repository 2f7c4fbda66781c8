"""`s2b batch restock` timing on the demo data: cold (training included) and warm (model cached on disk).

Each run uses a fresh copy of the given SQLite store (so no shard is already finished) and, for cold runs,
an empty model folder. Prints the median of --repeat runs per mode.

    S2B_HOME=/tmp/me/.s2b .venv/bin/s2b ingest orders data/online_retail/online_retail.csv.gz
    .venv/bin/python benchmarks/recsys_batch.py --db /tmp/me/.s2b/s2b.db --repeat 3
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def copy_db(source: Path, target: Path) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("DELETE FROM batch_shards")
        dst.execute("DELETE FROM restock_lists")
        dst.commit()
    finally:
        src.close()
        dst.close()


def one_run(db: Path, home: Path) -> float:
    """Wall time of `s2b batch restock --json` as a subprocess (imports and loading included)."""
    copy_db(db, home / "s2b.db")
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "s2b"), "batch", "restock", "--json"],
        check=True,
        env={"S2B_HOME": str(home), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="SQLite store with the demo orders ingested")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        cold, warm = [], []
        for _ in range(args.repeat):
            shutil.rmtree(home / "models", ignore_errors=True)
            cold.append(one_run(args.db, home))
            warm.append(one_run(args.db, home))
            print(f"  cold {cold[-1]:.1f} s, warm {warm[-1]:.1f} s", flush=True)
    print("\n| mode | median s | runs |")
    print("|---|---:|---|")
    print(f"| cold (train + lists) | {statistics.median(cold):.1f} | {', '.join(f'{v:.1f}' for v in cold)} |")
    print(f"| warm (model cached) | {statistics.median(warm):.1f} | {', '.join(f'{v:.1f}' for v in warm)} |")


if __name__ == "__main__":
    main()
