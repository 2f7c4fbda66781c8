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
