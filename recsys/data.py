"""Order lines in, purchase events out.

`load_order_lines` reads the store with one raw cursor into the same DataFrame shape as
`ingestion.parse.parse_orders(...).lines`, so the store path and the file-to-file contract share all
model code. `purchase_events` keeps what a restock model learns from: named merchants' product
purchases (no returns, cancellations, adjustments, postage or fees), one row per (invoice, SKU), each with the
time it was returned in full (`returned_at`, NaT if never): a purchase cancelled or sent back whole is not
something the merchant stocks, so a model as of a date learns from `recsys.history.known_before` it, which leaves
such purchases out once their return is known (12346's 74,215 jars, cancelled the same day, suggest no restock).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, datetime

import numpy as np
import pandas as pd

from core.db import Store
from core.gcpause import paused_gc
from ingestion.parse import link_cancellations
from recsys.titles import titles_digest

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

_FLOAT_SQL = {"sqlite": "REAL", "postgresql": "DOUBLE PRECISION"}
_PURCHASES = " AND ol.merchant_id IS NOT NULL AND ol.is_product AND ol.quantity > 0"
# Lines in the order they were stored. Without it PostgreSQL may hand the rows back in another order from one scan
# to the next (a scan joins one already running: `synchronize_seqscans`; an updated row moves), and the order of an
# invoice's SKUs feeds the purchase events, so the data fingerprint and the model version changed between two
# processes reading the same data: two shards of one batch run trained two models. SQLite scans in this order.
_IN_STORED_ORDER = " ORDER BY ol.id"


def _query(dialect: str, purchases_only: bool, until: bool) -> str:
    real = _FLOAT_SQL.get(dialect, "DOUBLE PRECISION")
    marker = "?" if dialect == "sqlite" else "%s"
    return (
        f"SELECT ol.id, ol.invoice_id, ol.sku, ol.quantity, CAST(ol.unit_price AS {real}), ol.ordered_at, "
        "ol.merchant_id, ol.is_product, ol.line_no FROM order_lines ol WHERE 1 = 1"
        + (_PURCHASES if purchases_only else "")
        + (f" AND ol.ordered_at < {marker}" if until else "")
        + _IN_STORED_ORDER
    )


def _timestamps(values: np.ndarray) -> pd.DatetimeIndex:
    if len(values) and isinstance(values[0], datetime):
        return pd.DatetimeIndex(list(values))
    # SQLite hands back text; an invoice's lines share one timestamp, so parse each distinct text once
    # (about 25x fewer values on the demo: 0.2 s less per load, same result).
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    parsed = pd.to_datetime(pd.Series(distinct, dtype=object), format="ISO8601").to_numpy()
    return pd.DatetimeIndex(parsed[codes])


def _text(values: np.ndarray) -> pd.Series:
    """A text column from the cursor's values (str() of any non-text value): pandas' string dtype straight from
    the object array, about 5x faster than numpy's `astype(str)` and a second conversion back."""
    return pd.Series(values, dtype="str")


def load_order_lines(store: Store, *, until: date | None = None, purchases_only: bool = False) -> pd.DataFrame:
    """Stored order lines (those before `until` when given) in `parse_orders(...).lines` shape, via one raw cursor.

    `purchases_only` keeps named merchants' positive product lines (all `purchase_events` needs).
    `description` and `country` are left empty (they live in `products` and `orders`); `row_number` is the
    line's primary key.
    """
    query = _query(store.dialect, purchases_only, until is not None)
    params: tuple[object, ...] = ()
    if until is not None:
        params = (datetime.combine(until, datetime.min.time()).isoformat(sep=" "),)
    cols = _fetch(store, query, params, 9)
    frame = pd.DataFrame(
        {
            "row_number": np.array(cols[0], dtype=np.int64),
            "invoice_id": _text(cols[1]),
            "sku": _text(cols[2]),
            "description": "",
            "quantity": np.array(cols[3], dtype=np.int64),
            "unit_price": np.array(cols[4], dtype=np.float64),
            "ordered_at": _timestamps(cols[5]),
            "merchant_id": _text(cols[6]).fillna(""),  # guest orders have none
            "country": "",
            "is_product": np.array(cols[7], dtype=bool),
            "line_no": np.array(cols[8], dtype=np.int64),
        },
        columns=LINE_COLUMNS,
    )
    for column in ("description", "country"):
        frame[column] = frame[column].astype(str)
    return frame


def _fetch(store: Store, query: str, params: tuple[object, ...], n_columns: int) -> list[np.ndarray]:
    raw = store.engine.raw_connection()
    # The row tuples hold only strings and numbers, so they can form no reference cycle: the collector would only
    # walk them, again and again as they pile up (a full collection over the 400k demo rows, 0.08 s).
    with paused_gc():
        try:
            cursor = raw.cursor()
            cursor.execute(query, params)
            rows = cursor.fetchall()
            cursor.close()
        finally:
            raw.close()
        # One 2-D object array, sliced by column: several times faster than zip(*rows) on 500k rows.
        table = np.array(rows, dtype=object) if rows else np.empty((0, n_columns), dtype=object)
        del rows
    return [table[:, j] for j in range(n_columns)]


def load_purchase_events(store: Store) -> pd.DataFrame:
    """`purchase_events(load_order_lines(store, purchases_only=True), load_returns(store))`, fetching only the columns
    it needs."""
    real = _FLOAT_SQL.get(store.dialect, "DOUBLE PRECISION")
    query = (
        f"SELECT ol.invoice_id, ol.sku, ol.quantity, CAST(ol.unit_price AS {real}), ol.ordered_at, ol.merchant_id "
        "FROM order_lines ol WHERE 1 = 1" + _PURCHASES + _IN_STORED_ORDER
    )
    cols = _fetch(store, query, (), 6)
    frame = pd.DataFrame(
        {
            "invoice_id": _text(cols[0]),
            "sku": _text(cols[1]),
            "quantity": np.array(cols[2], dtype=np.int64),
            "unit_price": np.array(cols[3], dtype=np.float64),
            "ordered_at": _timestamps(cols[4]),
            "merchant_id": _text(cols[5]),
            "is_product": True,
        }
    )
    return purchase_events(frame, load_returns(store))


RETURN_COLUMNS = ["merchant_id", "invoice_id", "sku", "quantity", "ordered_at"]


def load_returns(store: Store) -> pd.DataFrame:
    """The stored product returns linked to a purchase (`order_lines.cancels_invoice_id`, set at ingestion by
    `ingestion.parse.link_cancellations`), in `returns_in` shape: `invoice_id` is the purchase returned,
    `quantity` the units returned (positive)."""
    query = (
        "SELECT ol.merchant_id, ol.cancels_invoice_id, ol.sku, ol.quantity, ol.ordered_at FROM order_lines ol "
        "WHERE ol.cancels_invoice_id IS NOT NULL AND ol.merchant_id IS NOT NULL" + _IN_STORED_ORDER
    )
    cols = _fetch(store, query, (), 5)
    return pd.DataFrame(
        {
            "merchant_id": _text(cols[0]),
            "invoice_id": _text(cols[1]),
            "sku": _text(cols[2]),
            "quantity": -np.array(cols[3], dtype=np.int64),
            "ordered_at": _timestamps(cols[4]),
        },
        columns=RETURN_COLUMNS,
    )


def returns_in(lines: pd.DataFrame) -> pd.DataFrame:
    """The product returns in `lines` linked to the purchase they return (`link_cancellations`, as ingestion
    stores them): merchant_id, invoice_id (of the purchase), sku, quantity (units returned, positive), ordered_at."""
    if not (lines["quantity"] < 0).any():  # purchases only (or a feed without returns): nothing to link
        return pd.DataFrame({c: pd.Series(dtype=lines[c].dtype) for c in RETURN_COLUMNS})
    bought_in = link_cancellations(lines)
    linked = lines.loc[bought_in.notna(), ["merchant_id", "sku", "quantity", "ordered_at"]]
    return pd.DataFrame(
        {
            "merchant_id": linked["merchant_id"],
            "invoice_id": bought_in[linked.index].astype(str),
            "sku": linked["sku"],
            "quantity": -linked["quantity"],
            "ordered_at": linked["ordered_at"],
        },
        columns=RETURN_COLUMNS,
    ).reset_index(drop=True)


def purchase_events(lines: pd.DataFrame, returns: pd.DataFrame | None = None) -> pd.DataFrame:
    """Named merchants' product purchases: columns merchant_id, invoice_id, sku, ordered_at, quantity, unit_price,
    returned_at.

    Lines of one invoice with the same SKU are summed; rows are sorted by time then invoice. `returned_at` is when
    the returns linked to the purchase (`returns`, by default `returns_in(lines)`) reached its quantity.
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
    # = sort_values(["ordered_at", "invoice_id"], kind="stable"), faster on string columns (sorted codes, lexsort)
    invoice_rank, _ = pd.factorize(grouped["invoice_id"], sort=True)
    grouped = grouped.take(np.lexsort((invoice_rank, grouped["ordered_at"].to_numpy()))).reset_index(drop=True)
    grouped["returned_at"] = full_return_times(grouped, returns_in(lines) if returns is None else returns)
    return grouped[["merchant_id", "invoice_id", "sku", "ordered_at", "quantity", "unit_price", "returned_at"]]


def full_return_times(events: pd.DataFrame, returns: pd.DataFrame) -> pd.Series:
    """Per purchase event: the time of the return that brought the units returned to its quantity, NaT if none."""
    keys = ["merchant_id", "invoice_id", "sku"]
    never = pd.Series(pd.NaT, index=events.index, dtype=events["ordered_at"].dtype)
    if returns.empty:
        return never
    ordered = returns.sort_values("ordered_at", kind="stable")
    ordered = ordered.assign(returned=ordered.groupby(keys, sort=False)["quantity"].cumsum())
    joined = events[[*keys, "quantity"]].reset_index().merge(ordered[[*keys, "returned", "ordered_at"]], on=keys)
    whole = joined[joined["returned"] >= joined["quantity"]]
    first_whole = whole.groupby("index")["ordered_at"].min()
    never.loc[first_whole.index] = first_whole.to_numpy()
    return never


def load_titles(store: Store) -> dict[str, str]:
    """SKU -> product title for every product with one (the title features of `recsys.titles`)."""
    rows = _fetch(store, "SELECT p.sku, p.title FROM products p WHERE p.title <> ''", (), 2)
    return dict(zip(rows[0].astype(str), rows[1].astype(str), strict=True))


def fingerprint(events: pd.DataFrame, titles: Mapping[str, str] | None = None) -> str:
    """A short digest of the purchase events a model is trained on, and of those SKUs' titles when given (cache
    key, stored with the model; without titles it is the events' digest alone)."""
    digest = hashlib.sha256()
    digest.update(str(len(events)).encode())
    for column in ("merchant_id", "invoice_id", "sku"):
        digest.update(pd.util.hash_pandas_object(events[column], index=False).to_numpy().tobytes())
    digest.update(events["ordered_at"].to_numpy().astype("datetime64[s]").astype(np.int64).tobytes())
    digest.update(events["quantity"].to_numpy().astype(np.int64).tobytes())
    if titles and (text := titles_digest(titles, events["sku"].unique())):
        digest.update(text.encode())
    return digest.hexdigest()[:16]
