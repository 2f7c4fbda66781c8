from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from core.db import Store
from core.tables import Product, ProductChange, RejectedRow
from ingestion.catalog import ingest_catalog
from ingestion.orders import ingest_orders

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"


def seed(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + "536365,22632,HAND WARMER RED,12,2010-12-01 08:26:00,1.85,17850,United Kingdom\n")
    ingest_orders(store, path)


def feed(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    path = tmp_path / "catalog.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_feed_updates_in_place_and_records_changes(store: Store, tmp_path: Path) -> None:
    seed(store, tmp_path)
    summary = ingest_catalog(
        store,
        feed(
            tmp_path,
            [
                {"sku": "22632", "price": "2.10", "stock": 40, "category": "Warmers", "active": True},
                {"sku": "new-1", "title": "Paper lantern", "price": 3.5, "stock": 0, "currency": "GBP"},
            ],
        ),
    )
    assert (summary["created"], summary["updated"], summary["rejected"]) == (1, 1, 0)
    with store.session() as session:
        warmer = session.get(Product, "22632")
        lantern = session.get(Product, "NEW-1")
        changes = {(c.sku, c.field): (c.old_value, c.new_value) for c in session.scalars(select(ProductChange))}
    assert warmer is not None and lantern is not None
    assert warmer.unit_price == Decimal("2.10") and warmer.stock == 40 and warmer.category == "Warmers"
    assert warmer.title == "HAND WARMER RED"  # fields absent from the feed are kept
    assert changes[("22632", "unit_price")] == ("1.85", "2.1")
    assert lantern.stock == 0


def test_feed_rejects_bad_rows_and_reapplying_changes_nothing(store: Store, tmp_path: Path) -> None:
    seed(store, tmp_path)
    rows: list[dict[str, object]] = [
        {"sku": "22632", "active": False},
        {"sku": "", "title": "nameless"},
        {"sku": "X1", "price": "cheap"},
        {"sku": "POST", "title": "postage"},
        {"sku": "X2", "stock": "many"},
        {"sku": "23444", "title": "Next Day Carriage", "price": 15},
    ]
    path = feed(tmp_path, rows)
    first = ingest_catalog(store, path)
    assert first["rejected"] == 5
    assert set(first["rejected_reasons"]) == {
        "missing SKU",
        "non-numeric price",
        "non-product code",
        "non-numeric stock",
        "a fee, not a product (title)",
    }
    second = ingest_catalog(store, path)
    assert (second["updated"], second["created"], second["unchanged"]) == (0, 0, 1)
    with store.session() as session:
        assert session.get(Product, "22632").active is False  # type: ignore[union-attr]
        assert len(session.scalars(select(RejectedRow)).all()) == 5


def test_csv_feed(store: Store, tmp_path: Path) -> None:
    seed(store, tmp_path)
    path = tmp_path / "catalog.csv"
    path.write_text("sku,title,price,stock\n22632,Hand warmer (red),1.95,7\n")
    assert ingest_catalog(store, path)["updated"] == 1
    with store.session() as session:
        assert session.get(Product, "22632").title == "Hand warmer (red)"  # type: ignore[union-attr]


def test_a_bad_cell_rejects_its_row_only(store: Store, tmp_path: Path) -> None:
    seed(store, tmp_path)
    rows: list[dict[str, object]] = [
        {"sku": "X1", "price": "NaN"},
        {"sku": "X2", "price": "Infinity"},
        {"sku": "X3", "price": "1e30"},
        {"sku": "X4", "stock": "inf"},
        {"sku": "X5", "stock": "1e30"},
        {"sku": "X6", "stock": -10},
        {"sku": "X7", "stock": 2.7},
        {"sku": "22632", "price": "2.05", "stock": "12"},
    ]
    summary = ingest_catalog(store, feed(tmp_path, rows))
    assert (summary["rejected"], summary["updated"]) == (7, 1)
    with store.session() as session:
        reasons = [r.reason for r in session.scalars(select(RejectedRow).order_by(RejectedRow.row_number))]
        product = session.get(Product, "22632")
        assert product is not None and (product.unit_price, product.stock) == (Decimal("2.05"), 12)
    assert reasons == [
        "price must be a finite number",
        "price must be a finite number",
        "price above 1E+10",
        "stock must be a finite number",
        "stock above 2147483647",
        "negative stock",
        "stock must be a whole number",
    ]


def test_csv_feed_as_spreadsheets_write_it(store: Store, tmp_path: Path) -> None:
    seed(store, tmp_path)
    path = tmp_path / "catalog.csv"
    text = "SKU;Title;Unit Price;Stock;Active;Enabled\n22632;Chauffe-mains été – rouge;1.95;7;false;yes\nX9;;;;;\n"
    path.write_bytes(text.encode("cp1252"))
    summary = ingest_catalog(store, path)
    assert (summary["updated"], summary["created"], summary["unchanged"], summary["rejected"]) == (1, 1, 0, 0)
    assert summary["ignored_columns"] == ["enabled"]
    with store.session() as session:
        product = session.get(Product, "22632")
        assert product is not None
        assert (product.title, product.unit_price, product.stock, product.active) == (
            "Chauffe-mains été – rouge",
            Decimal("1.95"),
            7,
            False,
        )


def test_a_cell_the_store_cannot_hold_rejects_its_row_alike_on_both_backends(store: Store, tmp_path: Path) -> None:
    seed(store, tmp_path)
    rows: list[dict[str, object]] = [
        {"sku": "22632", "price": "2.05"},
        {"sku": "X1", "title": "lantern", "category": "c" * 201},
        {"sku": "S" * 65, "title": "lantern"},
        {"sku": "X2", "title": "lan\x00tern"},
        {"sku": "X3", "description": "paper\x00lantern"},
        {"sku": "X4", "currency": "G\x00P"},
        {"sku": "L" * 64, "title": "t" * 5000, "category": "c" * 200},  # at the limits; titles have none
    ]
    summary = ingest_catalog(store, feed(tmp_path, rows))  # PostgreSQL: StringDataRightTruncation, nothing applied
    assert (summary["updated"], summary["created"], summary["rejected"]) == (1, 1, 5)
    with store.session() as session:
        rejected = {r.row_number: (r.reason, r.raw) for r in session.scalars(select(RejectedRow))}
        warmer, long_one = session.get(Product, "22632"), session.get(Product, "L" * 64)
    assert {number: reason for number, (reason, _) in rejected.items()} == {
        2: "category longer than 200 characters",
        3: "sku longer than 64 characters",
        4: "title contains a NUL character",
        5: "description contains a NUL character",
        6: "currency must be a 3-letter code",
    }
    assert json.loads(rejected[4][1]) == {"sku": "X2", "title": "lan\x00tern"}  # the fields as written
    assert warmer is not None and warmer.unit_price == Decimal("2.05")
    assert long_one is not None and (len(long_one.title), long_one.category) == (5000, "c" * 200)
