"""Order lines in, purchase events out.

`load_order_lines` reads the store with one raw cursor into the same DataFrame shape as
`ingestion.parse.parse_orders(...).lines`, so the store path and the file-to-file contract share all
model code. `purchase_events` keeps what a restock model learns from: named merchants' product
purchases (no returns, cancellations, adjustments, postage or fees), one row per (invoice, SKU).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import numpy as np
import pandas as pd

from core.db import Store

LINE_COLUMNS = [
    "row_number",
    "invoice_id",
    "sku",
    "description",
    "quantity",
    "unit_price",
    "ordered_at",
    "merchant_id",
    "country",
    "is_product",
    "line_no",
]

_QUERY = (
    "SELECT ol.id, ol.invoice_id, ol.sku, ol.quantity, ol.unit_price, ol.ordered_at, ol.merchant_id, "
    "o.country, ol.is_product, ol.line_no FROM order_lines ol JOIN orders o ON o.invoice_id = ol.invoice_id"
)


def load_order_lines(store: Store, *, until: date | None = None) -> pd.DataFrame:
    """All stored order lines (or those before `until`) in `parse_orders(...).lines` shape.

    `description` is left empty (titles live in `products`); `row_number` is the line's primary key.
    """
    query = _QUERY
    params: tuple[object, ...] = ()
    if until is not None:
        marker = "?" if store.dialect == "sqlite" else "%s"
        query += f" WHERE ol.ordered_at < {marker}"
        params = (datetime.combine(until, datetime.min.time()).isoformat(sep=" "),)
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(query, params)
        rows = cursor.fetchall()
        cursor.close()
    finally:
        raw.close()
    if rows:
        cols = list(zip(*rows, strict=True))
    else:
        cols = [() for _ in range(10)]
    frame = pd.DataFrame(
        {
            "row_number": np.asarray(cols[0], dtype=np.int64),
            "invoice_id": pd.array(cols[1], dtype=object),
            "sku": pd.array(cols[2], dtype=object),
            "description": "",
            "quantity": np.asarray(cols[3], dtype=np.int64),
            "unit_price": np.asarray([float(v) for v in cols[4]], dtype=np.float64),
            "ordered_at": pd.to_datetime(pd.Series(cols[5], dtype=object), format="mixed"),
            "merchant_id": pd.Series(cols[6], dtype=object).fillna("").to_numpy(),
            "country": pd.Series(cols[7], dtype=object).fillna("").to_numpy(),
            "is_product": np.asarray(cols[8], dtype=bool),
            "line_no": np.asarray(cols[9], dtype=np.int64),
        },
        columns=LINE_COLUMNS,
    )
    return frame


def purchase_events(lines: pd.DataFrame) -> pd.DataFrame:
    """Named merchants' product purchases: columns merchant_id, invoice_id, sku, ordered_at, quantity, unit_price.

    Lines of one invoice with the same SKU are summed; rows are sorted by time then invoice.
    """
    keep = (
        (lines["merchant_id"] != "")
        & lines["is_product"].astype(bool)
        & (lines["quantity"] > 0)
        & ~lines["invoice_id"].str[:1].isin(["C", "A"])
    )
    sel = lines.loc[keep, ["merchant_id", "invoice_id", "sku", "ordered_at", "quantity", "unit_price"]]
    grouped = sel.groupby(["invoice_id", "sku"], sort=False, as_index=False).agg(
        merchant_id=("merchant_id", "first"),
        ordered_at=("ordered_at", "min"),
        quantity=("quantity", "sum"),
        unit_price=("unit_price", "last"),
    )
    grouped = grouped.sort_values(["ordered_at", "invoice_id"], kind="stable", ignore_index=True)
    return grouped[["merchant_id", "invoice_id", "sku", "ordered_at", "quantity", "unit_price"]]


def fingerprint(events: pd.DataFrame) -> str:
    """A short digest of the purchase events a model is trained on (cache key, stored with the model)."""
    digest = hashlib.sha256()
    digest.update(str(len(events)).encode())
    for column in ("merchant_id", "invoice_id", "sku"):
        digest.update(pd.util.hash_pandas_object(events[column], index=False).to_numpy().tobytes())
    digest.update(events["ordered_at"].to_numpy().astype("datetime64[s]").astype(np.int64).tobytes())
    digest.update(events["quantity"].to_numpy().astype(np.int64).tobytes())
    return digest.hexdigest()[:16]
