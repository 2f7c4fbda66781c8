"""Synthetic scale benchmark for the restock recommender: time and peak memory of training and ranking.

Default: 100k merchants x 50k products x 5M order lines (`--scale 0.1` for a quick run). Merchants reorder
from a personal pool of items (Zipf-weighted) and sometimes buy globally popular items, over one year.

    .venv/bin/python benchmarks/recsys_scale.py              # full scale
    .venv/bin/python benchmarks/recsys_scale.py --scale 0.1  # 10k x 5k x 500k
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import numpy as np
import pandas as pd

T = TypeVar("T")


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def synthetic_lines(n_merchants: int, n_items: int, n_lines: int, seed: int = 7) -> pd.DataFrame:
    """Order lines in `parse_orders(...).lines` shape."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, n_items + 1) ** 0.9
    popularity /= popularity.sum()
    orders_per_merchant = 1 + rng.poisson(9, n_merchants)
    n_orders = int(orders_per_merchant.sum())
    order_merchant = np.repeat(np.arange(n_merchants), orders_per_merchant)
    order_day = rng.uniform(0, 365, n_orders)
    lines_per_order = 1 + rng.poisson(max(n_lines / n_orders - 1, 0.1), n_orders)
    line_order = np.repeat(np.arange(n_orders), lines_per_order)[:n_lines]
    line_merchant = order_merchant[line_order]
    pool_size = 30
    pools = rng.choice(n_items, size=(n_merchants, pool_size), p=popularity)
    pool_weights = 1.0 / np.arange(1, pool_size + 1)
    pool_weights /= pool_weights.sum()
    from_pool = rng.random(len(line_order)) < 0.75
    pool_slot = rng.choice(pool_size, size=len(line_order), p=pool_weights)
    global_item = rng.choice(n_items, size=len(line_order), p=popularity)
    item = np.where(from_pool, pools[line_merchant, pool_slot], global_item)
    start = pd.Timestamp("2011-01-01")
    ordered_at = start + pd.to_timedelta(np.round(order_day[line_order] * 24 * 60), unit="min")
    frame = pd.DataFrame(
        {
            "row_number": np.arange(1, len(line_order) + 1),
            "invoice_id": pd.Series(line_order).astype(str).to_numpy(),
            "sku": pd.Series(item).map(lambda v: f"S{v:06d}").to_numpy(),
            "description": "",
            "quantity": 1 + rng.poisson(6, len(line_order)),
            "unit_price": np.round(rng.uniform(0.3, 9.0, len(line_order)), 2),
            "ordered_at": ordered_at,
            "merchant_id": pd.Series(line_merchant + 10_000).astype(str).to_numpy(),
            "country": "",
            "is_product": True,
            "line_no": 0,
        }
    )
    return frame


def timed(label: str, rows: list[tuple[str, float, float]], fn: Callable[[], T]) -> T:
    started = time.perf_counter()
    result = fn()
    rows.append((label, time.perf_counter() - started, peak_rss_gb()))
    print(f"  {label:<34} {rows[-1][1]:8.1f} s   peak RSS {rows[-1][2]:5.2f} GB", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 100k x 50k x 5M")
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--skip-lists", action="store_true", help="time ranking only, not quantities/reasons")
    args = parser.parse_args()

    from recsys.data import purchase_events
    from recsys.model import RestockModel
    from recsys.restock import suggest

    n_m, n_i, n_l = int(100_000 * args.scale), int(50_000 * args.scale), int(5_000_000 * args.scale)
    print(f"synthetic data: {n_m:,} merchants x {n_i:,} products x {n_l:,} order lines")
    rows: list[tuple[str, float, float]] = []
    data = {"lines": timed("generate (not counted)", rows, lambda: synthetic_lines(n_m, n_i, n_l))}
    baseline_rss = peak_rss_gb()
    events = timed("purchase events", rows, lambda: purchase_events(data.pop("lines")))
    cutoff = (pd.Timestamp(events["ordered_at"].max()) + timedelta(days=1)).date()
    model = timed("train (windows, rankers, ALS)", rows, lambda: RestockModel.fit(events, cutoff))
    merchants = np.arange(model.history.n_merchants, dtype=np.int64)
    if args.skip_lists:
        timed(f"rank top-{args.k}, all merchants", rows, lambda: model.rank(merchants, args.k))
    else:
        timed(f"lists top-{args.k} (qty, reasons)", rows, lambda: suggest(model, merchants, args.k))
    total = sum(seconds for label, seconds, _ in rows[1:])
    print()
    print("| step | seconds | peak RSS (GB) |")
    print("|---|---:|---:|")
    for label, seconds, rss in rows:
        print(f"| {label} | {seconds:.1f} | {rss:.2f} |")
    print(f"| **total (without generation)** | **{total:.1f}** | **{peak_rss_gb():.2f}** |")
    print(
        f"\nRSS after generating the data: {baseline_rss:.2f} GB; model: {model.meta['version']}, "
        f"{model.meta['events']:,} events, ranker {model.meta['ranker']}, metrics {model.meta['metrics']}"
    )


if __name__ == "__main__":
    main()
