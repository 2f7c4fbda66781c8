"""Round 38 (recsys/README.md): does an item's place in the merchant's invoices say whether it is reordered?

    python evals/recsys/variants/round38_cart_position.py

In grocery baskets (Instacart) the items added to the cart first are the habitual ones, and the add-to-cart order
helps predict reorders. Here an invoice's lines keep the order of the file. For each (merchant, item) the merchant
bought before an inner split's list date, this takes the item's mean relative place in those invoices (0 = the
first line, 1 = the last) and prints the share of pairs in the merchant's first order after the list date, by
orders containing the item (1 .. 5+) and by quartile of the place: a signal the ranker lacks would show as a slope
across a row. The inner splits only (A: list date 2011-07-03, B: 2011-04-02); a diagnostic, nothing is fitted.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ingestion.parse import parse_orders
from recsys.data import purchase_events
from recsys.windows import first_order_rows

SPLITS = [("A", "2011-07-03", "2011-09-01"), ("B", "2011-04-02", "2011-06-01")]


def places(events: pd.DataFrame) -> pd.Series:
    """Each event's relative place among its invoice's lines, in file order (0.5 for a one-line invoice)."""
    position = events.groupby("invoice_id", sort=False).cumcount().to_numpy()
    lines = events.groupby("invoice_id", sort=False)["sku"].transform("size").to_numpy()
    return pd.Series(np.where(lines > 1, position / np.maximum(lines - 1, 1), 0.5), index=events.index)


def split_table(events: pd.DataFrame, list_date: str, end: str) -> pd.DataFrame:
    stamp = pd.Timestamp(list_date)
    known = (events["ordered_at"] < stamp) & ~(events["returned_at"] < stamp)  # as the model sees them
    before = events[known]
    target = first_order_rows(events, stamp, pd.Timestamp(end))
    pairs = before.groupby(["merchant_id", "sku"]).agg(orders=("invoice_id", "nunique"), place=("place", "mean"))
    pairs = pairs[pairs.index.get_level_values("merchant_id").isin(target["merchant_id"].unique())]
    reordered = pd.MultiIndex.from_frame(target[["merchant_id", "sku"]])
    pairs = pairs.assign(
        reordered=pairs.index.isin(reordered),
        orders=pairs["orders"].clip(upper=5).astype(str).replace("5", "5+"),
        quartile=pd.qcut(pairs["place"], 4, labels=["first", "second", "third", "last"]),
    )
    table = pairs.pivot_table(index="orders", columns="quartile", values="reordered", aggfunc="mean", observed=True)
    table["pairs"] = pairs.groupby("orders").size()
    return table


def main() -> None:
    events = purchase_events(parse_orders(Path("data/online_retail/online_retail.csv.gz")).lines)
    events["place"] = places(events)
    for name, list_date, end in SPLITS:
        print(f"{name}: list date {list_date}, share reordered in the first order after it, by place quartile")
        print(split_table(events, list_date, end).round(3).to_string(), end="\n\n")


if __name__ == "__main__":
    main()
