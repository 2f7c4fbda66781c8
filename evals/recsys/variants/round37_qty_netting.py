"""Round 37 (recsys/README.md): would netting partial returns make the suggested quantities better?

    python evals/recsys/variants/round37_qty_netting.py

The lists suggest the quantity a merchant ordered most often (ties: the most recent; round 33). A purchase returned
in full is left out (round 36), but one returned in part counts with the quantity ordered. This compares that rule
with the same rule over the units kept (each purchase's quantity less its linked returns, once the last of them is
known before the list date) on the (merchant, item) pairs of each merchant's first order after the list date that
it bought before and where the two rules differ; the target is the quantity ordered. Rows: the inner splits (A, B)
first, then the twelve demo cut-offs (a check; nothing here was kept).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ingestion.parse import parse_orders
from recsys.data import purchase_events, returns_in
from recsys.features import compute_stats
from recsys.history import build_history
from recsys.windows import first_order_rows

KEYS = ["merchant_id", "invoice_id", "sku"]
LIST_DATES = [
    ("A", "2011-07-03", "2011-09-01"),
    ("B", "2011-04-02", "2011-06-01"),
    *((c, c, None) for c in ("2011-06-01", "2011-07-01", "2011-08-01", "2011-09-01", "2011-10-01", "2011-11-01")),
    *((c, c, None) for c in ("2011-06-15", "2011-07-15", "2011-08-15", "2011-09-15", "2011-10-15", "2011-11-15")),
]


def returned_per_purchase(events: pd.DataFrame, returns: pd.DataFrame) -> pd.DataFrame:
    """Per event: the units its linked returns sent back (capped at its quantity) and the latest return's time."""
    totals = returns.groupby(KEYS, as_index=False).agg(units=("quantity", "sum"), last=("ordered_at", "max"))
    joined = events[[*KEYS, "quantity"]].merge(totals, on=KEYS, how="left")
    units = np.minimum(joined["units"].fillna(0).to_numpy(), joined["quantity"].to_numpy())
    return pd.DataFrame({"units": units, "last": joined["last"].to_numpy()}, index=events.index)


def netted_as_of(events: pd.DataFrame, returned: pd.DataFrame, stamp: pd.Timestamp) -> pd.DataFrame:
    known = (returned["last"] < stamp).to_numpy()
    return events.assign(quantity=events["quantity"].to_numpy() - np.where(known, returned["units"].to_numpy(), 0))


def usual_quantities(events: pd.DataFrame, stamp: pd.Timestamp) -> pd.Series:
    history = build_history(events, stamp)
    stats = compute_stats(history)
    pair_qty, _ = stats.usual_qty
    keys = stats.pairs.key
    index = pd.MultiIndex.from_arrays(
        [history.merchant_ids[keys // history.n_items].astype(str), history.skus[keys % history.n_items].astype(str)],
        names=["merchant_id", "sku"],
    )
    return pd.Series(pair_qty, index=index)


def main() -> None:
    lines = parse_orders(Path("data/online_retail/online_retail.csv.gz")).lines
    events = purchase_events(lines)
    returned = returned_per_purchase(events, returns_in(lines))
    rows = []
    for name, start, end in LIST_DATES:
        stamp = pd.Timestamp(start)
        ordered = first_order_rows(events, stamp, pd.Timestamp(end) if end else None)
        target = ordered.astype({"merchant_id": str, "sku": str}).groupby(["merchant_id", "sku"])["quantity"].sum()
        table = pd.DataFrame(
            {
                "net": usual_quantities(netted_as_of(events, returned, stamp), stamp),
                "ordered_rule": usual_quantities(events, stamp),
            }
        ).join(target.rename("ordered"), how="inner")
        differ = table[table["net"] != table["ordered_rule"]]
        rows.append(
            {
                "list date": name,
                "pairs": len(table),
                "differ": len(differ),
                "exact, units kept": int((differ["net"] == differ["ordered"]).sum()),
                "exact, as ordered": int((differ["ordered_rule"] == differ["ordered"]).sum()),
                "|log2| units kept": float(np.abs(np.log2(differ["net"] / differ["ordered"])).mean()),
                "|log2| as ordered": float(np.abs(np.log2(differ["ordered_rule"] / differ["ordered"])).mean()),
            }
        )
    print(pd.DataFrame(rows).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
