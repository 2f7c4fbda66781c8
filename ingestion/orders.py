"""Store parsed order lines: catalog, merchants, orders, lines and quarantine, idempotently.

Orders are written in chunks of whole invoices, each chunk one transaction: a crash leaves only
complete invoices behind and a re-run adds the rest. Lines already in the store are skipped, line by line: the rest of
an invoice stored in part is added to it (`ingestion.known_invoices`). A re-run of the same file applies today's
product and title rules to what an earlier run stored (`ingestion.reingest`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from core.db import Store
from core.tables import IngestRun, Merchant, Order, Product
from ingestion.bulk import as_python, bulk_insert, bulk_update, datetimes_as_text
from ingestion.known_invoices import missing_lines
from ingestion.parse import (
    MERCHANT_LANGUAGE_BY_COUNTRY,
    ParsedOrders,
    invoice_kind,
    link_cancellations,
    parse_orders,
)
from ingestion.reingest import drop_former_products, feed_touched, relabel_stored_lines
from ingestion.storable import fitted, quarantined

CHUNK_LINES = 100_000
# The version of the rules that flag non-products and title products, stored in each run's summary: 1 before
# 3e916f8 (fees told by their code only; a product titled by its latest line, stock notes too), 2 since. A run
# under older rules is brought up to date by ingesting its file again (`ingestion.reingest`).
RULES = 2
Progress = Callable[[int], None]


@dataclass
class IngestSummary:
    source: str
    sha256: str
    format: str
    rows_read: int
    stored: int
    new_lines: int
    already_present: int
    rejected: int
    rejected_by_reason: dict[str, int]
    merchants: int
    new_merchants: int
    products: int
    new_products: int
    updated_products: int
    orders: int
    new_orders: int
    cancellation_lines: int
    anonymous_lines: int
    non_product_lines: int
    date_range: list[str]
    date_order: str = "ISO"  # how the file's dates were read (`ingestion.dates`)
    encoding: str = "utf8"  # a text file's encoding (`ingestion.csvfile`), or 'parquet' / 'workbook'
    relabelled_lines: int = 0  # stored lines this file now calls non-products (`ingestion.reingest`)
    removed_products: int = 0  # catalog rows whose SKU no stored line sells as a product any more
    lines_added_to_stored_orders: int = 0  # new lines of invoices the store held in part (`ingestion.known_invoices`)
    rules: int = RULES
    seconds: float = 0.0
    rows_per_second: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def set_timing(self, seconds: float) -> None:
        """Record the end-to-end duration (parse + store) and the throughput it implies."""
        self.seconds = round(seconds, 3)
        self.rows_per_second = round(self.rows_read / max(seconds, 1e-9), 1)


def content_hash(title: str, description: str, category: str | None) -> str:
    return hashlib.sha256(f"{title}\x1f{description}\x1f{category or ''}".encode()).hexdigest()


def derive_catalog(lines: pd.DataFrame) -> pd.DataFrame:
    """Per product SKU: latest non-empty description of a sale (else of any line), latest positive price,
    first/last seen.

    Online Retail's stock adjustments (no customer, no price) carry notes as descriptions: 114 products were titled
    "damaged", "check", "thrown away" or "returned" where a note was their latest line, and "back to school" found
    two of them. A sale's description is the product's name.
    """
    products = lines[lines["is_product"]]
    ordered = products.sort_values(["ordered_at", "row_number"])
    seen = ordered.groupby("sku")["ordered_at"].agg(first_seen="min", last_seen="max")
    named = ordered[ordered["description"] != ""]
    sold = named[(named["merchant_id"] != "") & (named["quantity"] > 0) & (named["unit_price"] > 0)]
    described = sold.groupby("sku")["description"].last()
    described = described.combine_first(named.groupby("sku")["description"].last())
    priced = ordered[(ordered["unit_price"] > 0) & (ordered["quantity"] > 0)].groupby("sku")["unit_price"].last()
    catalog = seen.join(described.rename("title")).join(priced.rename("unit_price"))
    catalog["title"] = catalog["title"].fillna("")
    return catalog.reset_index()


def _existing(conn: Connection, column: Any) -> set[str]:
    return {row[0] for row in conn.execute(select(column))}


def _text(value: Any) -> str:
    """A text column's value as read by pandas: NULL (None or NaN) is ""."""
    return "" if value is None or pd.isna(value) else str(value)


def _price(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _upsert_products(conn: Connection, catalog: pd.DataFrame, now: str) -> tuple[int, int]:
    """Insert unseen SKUs; refresh title/price of known ones only when this file has newer lines for them."""
    columns_read = (Product.sku, Product.title, Product.description, Product.category, Product.unit_price)
    existing = pd.read_sql(select(*columns_read, Product.first_seen, Product.last_seen), conn).set_index("sku")
    is_new = ~catalog["sku"].isin(existing.index)
    fresh = catalog[is_new]
    rows = [
        (
            r["sku"],
            r["title"],
            r["title"],
            _price(r["unit_price"]),
            "GBP",
            True,
            first,
            last,
            content_hash(r["title"], r["title"], None),
            now,
        )
        for r, first, last in zip(
            fresh.to_dict("records"),
            datetimes_as_text(fresh["first_seen"]),
            datetimes_as_text(fresh["last_seen"]),
            strict=True,
        )
    ]
    columns = [
        "sku",
        "title",
        "description",
        "unit_price",
        "currency",
        "active",
        "first_seen",
        "last_seen",
        "content_hash",
        "updated_at",
    ]
    bulk_insert(conn, "products", columns, rows)
    known = catalog[~is_new].join(existing.add_suffix("_old"), on="sku")
    newer = known[pd.to_datetime(known["last_seen"]) > pd.to_datetime(known["last_seen_old"])]
    feed_set = {name: feed_touched(conn, name) for name in ("title", "description", "unit_price")}
    updates = []
    for r, last in zip(newer.to_dict("records"), datetimes_as_text(newer["last_seen"]), strict=True):
        title, description = _text(r["title_old"]), _text(r["description_old"])
        if r["title"] and r["sku"] not in feed_set["title"]:  # what a catalog feed set stays the feed's
            title = r["title"]
            description = description if r["sku"] in feed_set["description"] else title
        price = _price(r["unit_price_old"])
        if r["sku"] not in feed_set["unit_price"] and _price(r["unit_price"]) is not None:
            price = _price(r["unit_price"])
        digest = content_hash(title, description, _text(r["category_old"]) or None)
        updates.append((title, description, price, last, digest, now, r["sku"]))
    bulk_update(
        conn,
        "products",
        "sku",
        ["title", "description", "unit_price", "last_seen", "content_hash", "updated_at"],
        updates,
    )
    return len(rows), len(updates) + _retitle(conn, known, now)


def _retitle(conn: Connection, known: pd.DataFrame, now: str) -> int:
    """Products whose latest lines are in this file take the title they derive today, unless a feed set theirs.

    A re-run of the same file thus retitles what an older rule titled (`ingestion.reingest`)."""
    same = known[pd.to_datetime(known["last_seen"]) == pd.to_datetime(known["last_seen_old"])]
    stale = same[(same["title"] != "") & (same["title"] != same["title_old"])]
    stale = stale[~stale["sku"].isin(feed_touched(conn, "title"))]
    if stale.empty:
        return 0
    updates = []
    for sku, title, old_title, old_description, category in zip(
        stale["sku"], stale["title"], stale["title_old"], stale["description_old"], stale["category_old"], strict=True
    ):
        description = title if _text(old_description) in ("", old_title) else _text(old_description)
        updates.append((title, description, content_hash(title, description, _text(category) or None), now, sku))
    bulk_update(conn, "products", "sku", ["title", "description", "content_hash", "updated_at"], updates)
    return len(updates)


def _insert_merchants(conn: Connection, lines: pd.DataFrame, now: str) -> tuple[int, int]:
    named = lines[lines["merchant_id"] != ""]
    latest = named.sort_values("ordered_at").groupby("merchant_id")["country"].last()
    fresh = latest[~latest.index.isin(_existing(conn, Merchant.id))]
    rows = [
        (
            mid,
            f"Merchant {mid}",
            country or None,
            MERCHANT_LANGUAGE_BY_COUNTRY.get(country, "en"),
            "standard",
            now,
        )
        for mid, country in fresh.items()
    ]
    bulk_insert(conn, "merchants", ["id", "name", "country", "language", "tier", "created_at"], rows)
    return len(latest), len(rows)


def _order_rows(lines: pd.DataFrame, source: str) -> list[tuple[Any, ...]]:
    heads = lines.groupby("invoice_id", sort=False).agg(
        merchant_id=("merchant_id", "first"), ordered_at=("ordered_at", "min"), country=("country", "first")
    )
    kinds = invoice_kind(heads.index.to_series())
    return [
        (inv, mid or None, when, country or None, kind, source)
        for inv, mid, when, country, kind in zip(
            heads.index,
            heads["merchant_id"],
            datetimes_as_text(heads["ordered_at"]),
            heads["country"],
            kinds,
            strict=True,
        )
    ]


def _line_rows(lines: pd.DataFrame, cancels: pd.Series) -> list[tuple[Any, ...]]:
    merchant = lines["merchant_id"].to_numpy(dtype=object)
    merchant[merchant == ""] = None
    return list(
        zip(
            as_python(lines["invoice_id"]),
            lines["line_no"].tolist(),
            merchant.tolist(),
            datetimes_as_text(lines["ordered_at"]),
            as_python(lines["sku"]),
            lines["is_product"].tolist(),
            lines["quantity"].tolist(),
            lines["unit_price"].tolist(),
            as_python(cancels),
            strict=True,
        )
    )


def _write_orders(
    store: Store, lines: pd.DataFrame, cancels: pd.Series, present: set[str], source: str, progress: Progress | None
) -> int:
    """Write `lines` (grouped by invoice) in chunks of whole invoices; the invoices in `present` are stored already
    and get lines only."""
    boundaries = np.flatnonzero(lines["invoice_id"].to_numpy()[1:] != lines["invoice_id"].to_numpy()[:-1]) + 1
    start, written = 0, 0
    while start < len(lines):
        later = boundaries[boundaries >= start + CHUNK_LINES]
        stop = int(later[0]) if len(later) else len(lines)
        chunk = lines.iloc[start:stop]
        with store.engine.begin() as conn:
            bulk_insert(
                conn,
                "orders",
                ["invoice_id", "merchant_id", "ordered_at", "country", "kind", "source"],
                _order_rows(chunk[~chunk["invoice_id"].isin(present)], source),
            )
            written += bulk_insert(
                conn,
                "order_lines",
                [
                    "invoice_id",
                    "line_no",
                    "merchant_id",
                    "ordered_at",
                    "sku",
                    "is_product",
                    "quantity",
                    "unit_price",
                    "cancels_invoice_id",
                ],
                _line_rows(chunk, cancels.iloc[start:stop]),
            )
        if progress:
            progress(stop - start)
        start = stop
    return written


def _write_rejects(store: Store, parsed: ParsedOrders) -> None:
    reasons, raws = as_python(parsed.rejected["reason"]), as_python(parsed.rejected["raw"])
    kept = [quarantined(parsed.source, reason, raw) for reason, raw in zip(reasons, raws, strict=True)]
    rows = [
        (source, parsed.sha256, number, reason, raw)
        for number, (source, reason, raw) in zip(parsed.rejected["row_number"].tolist(), kept, strict=True)
    ]
    with store.engine.begin() as conn:
        mark = "%s" if conn.dialect.name == "postgresql" else "?"
        conn.exec_driver_sql(f"DELETE FROM rejected_rows WHERE source_sha256 = {mark}", (parsed.sha256,))
        bulk_insert(conn, "rejected_rows", ["source", "source_sha256", "row_number", "reason", "raw"], rows)


def store_orders(store: Store, parsed: ParsedOrders, progress: Progress | None = None) -> IngestSummary:
    started_at = datetime.now(UTC).replace(tzinfo=None)
    now = started_at.strftime("%Y-%m-%d %H:%M:%S.%f")
    lines = parsed.lines
    with store.engine.begin() as conn:
        merchants, new_merchants = _insert_merchants(conn, lines, now)
        catalog = derive_catalog(lines)
        present = _existing(conn, Order.invoice_id)
        relabelled_lines = relabel_stored_lines(conn, lines, present)
        removed_products = drop_former_products(conn, lines)
        new_products, updated_products = _upsert_products(conn, catalog, now)
        fresh_lines, added_to_stored = missing_lines(conn, lines, present)
    if progress:
        progress(len(lines) - len(fresh_lines))
    # returns link to purchases anywhere in the file (stored ones too); a re-run that adds nothing links nothing
    cancels = link_cancellations(lines).loc[fresh_lines.index] if len(fresh_lines) else pd.Series(dtype=object)
    new_lines = _write_orders(store, fresh_lines, cancels, present, fitted(parsed.source, Order.source), progress)
    _write_rejects(store, parsed)
    dates = lines["ordered_at"]
    summary = IngestSummary(
        source=parsed.source,
        sha256=parsed.sha256,
        format=parsed.format_name,
        rows_read=parsed.rows_read,
        stored=len(lines),
        new_lines=new_lines,
        already_present=len(lines) - new_lines,
        rejected=len(parsed.rejected),
        rejected_by_reason=parsed.rejected_by_reason,
        merchants=merchants,
        new_merchants=new_merchants,
        products=len(catalog),
        new_products=new_products,
        updated_products=updated_products,
        orders=int(lines["invoice_id"].nunique()),
        new_orders=int((~fresh_lines["invoice_id"].drop_duplicates().isin(present)).sum()),
        lines_added_to_stored_orders=added_to_stored,
        cancellation_lines=int((lines["quantity"] < 0).sum()),
        anonymous_lines=int((lines["merchant_id"] == "").sum()),
        non_product_lines=int((~lines["is_product"]).sum()),
        relabelled_lines=relabelled_lines,
        removed_products=removed_products,
        date_range=[str(dates.min()), str(dates.max())] if len(lines) else [],
        date_order=parsed.date_order,
        encoding=parsed.encoding,
    )
    assert summary.rows_read == summary.stored + summary.rejected, "every row is stored or rejected"
    with store.session() as session:
        session.add(
            IngestRun(
                kind="orders",
                source=fitted(parsed.source, IngestRun.source),
                source_sha256=parsed.sha256,
                started_at=started_at,
                finished_at=datetime.now(UTC).replace(tzinfo=None),
                summary=summary.as_dict(),
            )
        )
    return summary


def ingest_orders(
    store: Store, path: Path, fmt: str = "auto", mapping: Path | None = None, progress: Progress | None = None
) -> IngestSummary:
    """Parse, validate and store an order file. rows_read == stored + rejected, always."""
    started = time.perf_counter()
    parsed = parse_orders(path, fmt, mapping)
    summary = store_orders(store, parsed, progress)
    summary.set_timing(time.perf_counter() - started)
    return summary
