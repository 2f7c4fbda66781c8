"""Purchase events written out by hand, for tests that check a statistic against counts done on paper."""

from __future__ import annotations

import pandas as pd


def events_of(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """Events from (merchant id, invoice id, SKU, time) rows: one unit at 1.0 each, in time order."""
    frame = pd.DataFrame(rows, columns=["merchant_id", "invoice_id", "sku", "ordered_at"])
    frame["ordered_at"] = pd.to_datetime(frame["ordered_at"])
    frame["quantity"] = 1
    frame["unit_price"] = 1.0
    return frame.sort_values(["ordered_at", "invoice_id"], ignore_index=True)


def events_with_quantities(rows: list[tuple[str, str, str, str, int]]) -> pd.DataFrame:
    """Events from (merchant id, invoice id, SKU, time, quantity) rows."""
    events = events_of([(m, invoice, sku, when) for m, invoice, sku, when, _ in rows])
    quantity = {(m, invoice, sku): q for m, invoice, sku, _, q in rows}
    keys = zip(events["merchant_id"], events["invoice_id"], events["sku"], strict=True)
    events["quantity"] = [quantity[key] for key in keys]
    return events
