from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from core.db import Store
from core.tables import IngestRun, OrderLine, Product
from ingestion.catalog import ingest_catalog
from ingestion.orders import RULES, ingest_orders
from ingestion.parse import file_sha256
from ingestion.reingest import StoredFile, under_older_rules

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
ROWS = [
    "536365,20902,VINTAGE KEEPSAKE BOX PARIS DAYS,4,2011-01-05 10:00:00,3.75,17850,United Kingdom\n",
    "536366,20902,check,-12,2011-03-01 10:00:00,0,,United Kingdom\n",  # a stock note, the product's latest line
    "536370,23444,Next Day Carriage,1,2011-02-01 10:00:00,15,17850,United Kingdom\n",  # a fee under a product code
    "C536371,23444,Next Day Carriage,-1,2011-02-02 10:00:00,15,17850,United Kingdom\n",
    "536372,22632,HAND WARMER RED,12,2011-02-01 10:00:00,1.85,12347,United Kingdom\n",
]


def orders_file(tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + "".join(ROWS), encoding="utf-8")
    return path


def snapshot(store: Store) -> dict[str, Any]:
    with store.session() as session:
        products = {
            p.sku: (p.title, p.description, str(p.unit_price), p.content_hash) for p in session.scalars(select(Product))
        }
        lines = {
            (line.invoice_id, line.line_no): (line.sku, line.is_product, line.cancels_invoice_id)
            for line in session.scalars(select(OrderLine))
        }
    return {"products": products, "lines": lines}


def store_as_before_3e916f8(store: Store) -> None:
    """What ingestion stored before a fee was told by its title and a stock note stopped titling a product."""
    with store.session() as session:
        session.execute(update(OrderLine).where(OrderLine.sku == "23444").values(is_product=True))
        session.execute(update(OrderLine).where(OrderLine.invoice_id == "C536371").values(cancels_invoice_id="536370"))
        session.execute(
            update(Product).where(Product.sku == "20902").values(title="check", description="check", content_hash="x")
        )
        session.add(Product(sku="23444", title="Next Day Carriage", description="Next Day Carriage", active=True))


def test_a_rerun_of_the_same_file_brings_an_older_store_to_what_a_fresh_ingestion_stores(
    store: Store, tmp_path: Path
) -> None:
    path = orders_file(tmp_path)
    ingest_orders(store, path)
    fresh = snapshot(store)
    assert "23444" not in fresh["products"] and fresh["products"]["20902"][0] == "VINTAGE KEEPSAKE BOX PARIS DAYS"
    store_as_before_3e916f8(store)
    assert snapshot(store) != fresh
    again = ingest_orders(store, path)
    assert snapshot(store) == fresh
    assert (again.relabelled_lines, again.removed_products, again.updated_products) == (2, 1, 1)
    assert again.new_lines == 0 and again.rows_read == again.stored + again.rejected
    third = ingest_orders(store, path)  # nothing left to repair
    assert (third.relabelled_lines, third.removed_products, third.updated_products) == (0, 0, 0)


def test_a_catalog_feed_outranks_the_rerun(store: Store, tmp_path: Path) -> None:
    path = orders_file(tmp_path)
    ingest_orders(store, path)
    store_as_before_3e916f8(store)
    feed = tmp_path / "catalog.jsonl"
    rows = [{"sku": "20902", "title": "Keepsake box, Paris"}, {"sku": "23444", "stock": 5}]
    feed.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    ingest_catalog(store, feed)
    again = ingest_orders(store, path)
    products = snapshot(store)["products"]
    assert products["20902"][0] == "Keepsake box, Paris"  # the feed's title, not the orders'
    assert "23444" in products  # the feed stocks it: a product at S, though these lines are fees
    assert (again.relabelled_lines, again.removed_products) == (2, 0)


def test_a_later_orders_file_keeps_what_a_catalog_feed_set(store: Store, tmp_path: Path) -> None:
    ingest_orders(store, orders_file(tmp_path))
    feed = tmp_path / "catalog.jsonl"
    rows = [
        {"sku": "20902", "title": "Keepsake box, Paris", "description": "Tin, 3 sizes", "price": "4.10"},
        {"sku": "22632", "description": "Knitted, one size"},
    ]
    feed.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    ingest_catalog(store, feed)
    later = tmp_path / "later.csv"
    later.write_text(
        HEADER
        + "536400,20902,VINTAGE KEEPSAKE BOX PARIS DAYS,2,2011-05-01 10:00:00,3.95,17850,United Kingdom\n"
        + "536401,22632,HAND WARMER RED POLKADOT,6,2011-05-02 10:00:00,2.10,12347,United Kingdom\n",
        encoding="utf-8",
    )
    assert ingest_orders(store, later).updated_products == 2
    products = snapshot(store)["products"]
    assert products["20902"][:3] == ("Keepsake box, Paris", "Tin, 3 sizes", "4.1000")  # all the feed's
    assert products["22632"][:3] == ("HAND WARMER RED POLKADOT", "Knitted, one size", "2.1000")  # the feed's text only


def test_a_product_another_file_sells_stays_in_the_catalog(store: Store, tmp_path: Path) -> None:
    earlier = tmp_path / "earlier.csv"
    earlier.write_text(HEADER + "536001,23444,RED RETROSPOT MUG,6,2011-01-02 10:00:00,2.5,12347,United Kingdom\n")
    ingest_orders(store, earlier)
    summary = ingest_orders(store, orders_file(tmp_path))
    assert summary.removed_products == 0
    assert snapshot(store)["lines"][("536001", 0)] == ("23444", True, None)
    assert "23444" in snapshot(store)["products"]


def as_if_ingested_before_the_rules_were_versioned(store: Store) -> None:
    with store.session() as session:
        for run in session.scalars(select(IngestRun)):
            run.summary = {k: v for k, v in run.summary.items() if k != "rules"}


def test_a_file_ingested_under_older_rules_is_listed_until_it_is_ingested_again(store: Store, tmp_path: Path) -> None:
    path = orders_file(tmp_path)
    ingest_orders(store, path)
    assert under_older_rules(store, RULES) == []
    as_if_ingested_before_the_rules_were_versioned(store)
    assert under_older_rules(store, RULES) == [StoredFile("orders.csv", file_sha256(path))]
    ingest_orders(store, path)
    assert under_older_rules(store, RULES) == []
