"""Re-ingesting a file applies today's rules to what an earlier run stored from it.

Ingestion skips invoices already in the store, so a rule added later would never reach a store filled before it:
at 3e916f8 a fee under a product code became a non-product by its title (Online Retail's 23444 "Next Day
Carriage"), and a product took its latest sale's description as its title rather than a stock note ("damaged").
Running `s2b ingest orders FILE` again on the same file brings such a store to what a fresh ingestion gives:

- lines already stored take the file's non-product flag (`relabel_stored_lines`);
- a product none of whose stored lines is a product any more leaves the catalog (`drop_former_products`);
- a product whose latest lines are in the file is retitled from them (`ingestion.orders._upsert_products`).

A catalog feed outranks order lines: a product a feed touched stays, and a title a feed set is kept.
`under_older_rules` lists the files whose last run predates today's rules (`ingestion.orders.RULES`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, bindparam, delete, select, update

from core.db import Store
from core.tables import IngestRun, OrderLine, Product, ProductChange


@dataclass(frozen=True)
class StoredFile:
    source: str
    sha256: str


def under_older_rules(store: Store, rules: int) -> list[StoredFile]:
    """The order files whose latest ingestion ran under rules older than `rules` (a run before the rules were
    versioned counts as 1), oldest run first."""
    latest: dict[str, tuple[str, int]] = {}
    with store.session() as session:
        runs = session.execute(
            select(IngestRun.source, IngestRun.source_sha256, IngestRun.summary)
            .where(IngestRun.kind == "orders", IngestRun.finished_at.is_not(None))
            .order_by(IngestRun.started_at, IngestRun.id)
        )
        for source, sha, summary in runs:
            latest[sha] = (source, int((summary or {}).get("rules", 1)))
    return [StoredFile(source, sha) for sha, (source, ran) in latest.items() if ran < rules]


def feed_touched(conn: Connection, field: str | None = None) -> set[str]:
    """SKUs a catalog feed changed (any field, or just `field`): their catalog rows are the feed's, not derived."""
    query = select(ProductChange.sku).distinct()
    if field is not None:
        query = query.where(ProductChange.field == field)
    return set(conn.scalars(query))


def relabel_stored_lines(conn: Connection, lines: pd.DataFrame, present: set[str]) -> int:
    """Mark as non-product the stored lines of invoices already present whose SKU the file now calls one (and
    unlink their returns: `link_cancellations` links product returns only)."""
    flagged = lines[~lines["is_product"]]
    stored = flagged[np.fromiter((invoice in present for invoice in flagged["invoice_id"]), bool, len(flagged))]
    sold = _sold_as_products(conn, _in_catalog(conn, set(stored["sku"])))
    pairs = stored.loc[stored["sku"].isin(sold), ["invoice_id", "sku"]].drop_duplicates()
    statement = (
        update(OrderLine)
        .where(
            OrderLine.invoice_id == bindparam("invoice"),
            OrderLine.sku == bindparam("code"),
            OrderLine.is_product.is_(True),
        )
        .values(is_product=False, cancels_invoice_id=None)  # a non-product return cancels no purchase
    )
    relabelled = 0
    for invoice, code in pairs.itertuples(index=False):
        relabelled += conn.execute(statement, {"invoice": invoice, "code": code}).rowcount
    return relabelled


def drop_former_products(conn: Connection, lines: pd.DataFrame) -> int:
    """Remove from the catalog the SKUs the file calls non-products and no stored line sells as a product any more.

    Their rows were derived from order lines, which stay (flagged): nothing is lost. A feed's product stays.
    """
    in_catalog = _in_catalog(conn, set(lines.loc[~lines["is_product"], "sku"]) - feed_touched(conn))
    gone = sorted(in_catalog - _sold_as_products(conn, in_catalog))
    if gone:
        conn.execute(delete(Product).where(Product.sku.in_(gone)))
    return len(gone)


def _in_catalog(conn: Connection, codes: set[str]) -> set[str]:
    """The `codes` with a catalog row. A SKU with product lines has one (`derive_catalog`), so this keyed lookup
    spares `_sold_as_products` a scan of every line for codes that were never products (POST, M, DOT…)."""
    if not codes:
        return set()
    return set(conn.scalars(select(Product.sku).where(Product.sku.in_(sorted(codes)))))


def _sold_as_products(conn: Connection, codes: set[str]) -> set[str]:
    """The `codes` some stored line sells as a product (a scan of the lines: call it with few codes)."""
    if not codes:
        return set()
    query = select(OrderLine.sku).distinct().where(OrderLine.sku.in_(sorted(codes)), OrderLine.is_product.is_(True))
    return set(conn.scalars(query))
