"""`s2b batch restock` timing on the demo data: cold (training included) and warm (model cached on disk).

Each run uses a fresh copy of the given SQLite store (so no shard is already finished) and, for cold runs,
an empty model folder. Prints the median of --repeat runs per mode.

    S2B_HOME=/tmp/me/.s2b .venv/bin/s2b ingest orders data/online_retail/online_retail.csv.gz
    .venv/bin/python benchmarks/recsys_batch.py --db /tmp/me/.s2b/s2b.db --repeat 3

Before/after in one session: `git worktree add --detach /tmp/me/base <commit>` and add `--src /tmp/me/base`;
each repeat then runs the old code (via PYTHONPATH) and the working tree's code back to back.
"""

from __future__ import annotations

import argparse
import os
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


def one_run(db: Path, home: Path, src: Path | None = None) -> float:
    """Wall time of `s2b batch restock --json` as a subprocess (imports and loading included)."""
    copy_db(db, home / "s2b.db")
    env = {"S2B_HOME": str(home), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "s2b"), "batch", "restock", "--json"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="SQLite store with the demo orders ingested")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--src", type=Path, action="append", default=[], help="also time the code in this checkout (repeatable)"
    )
    parser.add_argument("--no-working-tree", action="store_true", help="time only the --src checkouts")
    args = parser.parse_args()
    labels: dict[str, Path | None] = {str(src): src for src in args.src}
    if not args.no_working_tree:
        labels["working tree"] = None
    cold: dict[str, list[float]] = {label: [] for label in labels}
    warm: dict[str, list[float]] = {label: [] for label in labels}
    for _ in range(args.repeat):
        for label, src in labels.items():
            with tempfile.TemporaryDirectory() as tmp:
                home = Path(tmp)
                shutil.rmtree(home / "models", ignore_errors=True)
                cold[label].append(one_run(args.db, home, src))
                warm[label].append(one_run(args.db, home, src))
            print(f"  {label}: cold {cold[label][-1]:.1f} s, warm {warm[label][-1]:.1f} s", flush=True)
    print(f"\nload average at the end: {os.getloadavg()}")
    print("\n| code | mode | median s | runs |")
    print("|---|---|---:|---|")
    for label in labels:
        for mode, values in (("cold (train + lists)", cold[label]), ("warm (model cached)", warm[label])):
            runs = ", ".join(f"{v:.1f}" for v in values)
            print(f"| {label} | {mode} | {statistics.median(values):.1f} | {runs} |")


if __name__ == "__main__":
    main()
