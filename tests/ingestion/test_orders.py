from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select, text

import ingestion.orders as orders_module
from core.db import Store
from core.tables import IngestRun, Merchant, Order, OrderLine, Product, RejectedRow
from ingestion.orders import ingest_orders, store_orders
from ingestion.parse import parse_orders

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"


def counts(store: Store) -> dict[str, int]:
    with store.session() as session:
        return {
            table.__tablename__: session.scalar(select(func.count()).select_from(table)) or 0
            for table in (Merchant, Product, Order, OrderLine, RejectedRow)
        }


def test_ingest_sample_counts_match_the_file(store: Store, sample_orders_path: Path) -> None:
    raw = pd.read_csv(sample_orders_path, dtype=str, keep_default_na=False)
    summary = ingest_orders(store, sample_orders_path)
    assert summary.rows_read == len(raw) == summary.stored + summary.rejected
    assert summary.merchants == raw.loc[raw.CustomerID != "", "CustomerID"].nunique()
    assert summary.orders == raw["InvoiceNo"].nunique()
    assert summary.anonymous_lines == (raw.CustomerID == "").sum()
    stored = counts(store)
    assert stored["order_lines"] == len(raw)
    assert stored["orders"] == summary.orders
    assert stored["merchants"] == summary.merchants
    assert stored["products"] == summary.products
    with store.session() as session:
        skus = set(session.scalars(select(Product.sku)))
        assert not skus & {"POST", "D", "M", "DOT", "C2", "BANK CHARGES"}
        assert all(sku == sku.upper() for sku in skus)
        anonymous = session.scalar(select(func.count()).where(OrderLine.merchant_id.is_(None)))
        assert anonymous == summary.anonymous_lines


def test_reingest_changes_nothing(store: Store, sample_orders_path: Path) -> None:
    ingest_orders(store, sample_orders_path)
    before = counts(store)
    again = ingest_orders(store, sample_orders_path)
    assert counts(store) == before
    assert again.new_lines == 0 and again.new_orders == 0 and again.new_products == 0
    assert again.rows_read == again.stored + again.rejected


def test_later_file_appends_only_new_orders(store: Store, sample_orders_path: Path, tmp_path: Path) -> None:
    raw = pd.read_csv(sample_orders_path, dtype=str, keep_default_na=False)
    early = raw[raw.InvoiceDate < "2011-06-01"]
    first = tmp_path / "early.csv"
    early.to_csv(first, index=False)
    ingest_orders(store, first)
    summary = ingest_orders(store, sample_orders_path)
    assert summary.new_lines == len(raw) - len(early)
    assert summary.new_orders == raw.InvoiceNo.nunique() - early.InvoiceNo.nunique()
    assert counts(store)["order_lines"] == len(raw)


def stored_lines_of(store: Store, invoice: str) -> list[tuple[int, str, int]]:
    with store.session() as session:
        rows = session.execute(
            select(OrderLine.line_no, OrderLine.sku, OrderLine.quantity)
            .where(OrderLine.invoice_id == invoice)
            .order_by(OrderLine.line_no)
        )
        return [(int(n), str(sku), int(q)) for n, sku, q in rows]


def test_an_invoice_split_across_two_files_is_stored_whole(store: Store, tmp_path: Path) -> None:
    rows = [
        "536544,21773,DECORATIVE ROSE BATHROOM BOTTLE,1,2010-12-01 14:32:00,2.51,,United Kingdom",
        "536544,21774,DECORATIVE CATS BATHROOM BOTTLE,2,2010-12-01 14:32:00,2.51,,United Kingdom",
        "536544,21774,DECORATIVE CATS BATHROOM BOTTLE,2,2010-12-01 14:32:00,2.51,,United Kingdom",  # sold twice
        "536544,21786,POLKADOT RAIN HAT,4,2010-12-01 14:32:00,0.85,,United Kingdom",
        "536545,22086,PAPER CHAIN KIT,6,2010-12-01 14:33:00,2.55,12347,Iceland",
    ]
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(HEADER + rows[0] + "\n")
    second.write_text(HEADER + "\n".join(rows[1:]) + "\n")
    ingest_orders(store, first)
    summary = ingest_orders(store, second)
    assert summary.new_lines == 4 and summary.already_present == 0
    assert summary.lines_added_to_stored_orders == 3 and summary.new_orders == 1
    assert stored_lines_of(store, "536544") == [(0, "21773", 1), (1, "21774", 2), (2, "21774", 2), (3, "21786", 4)]
    before = counts(store)
    both = tmp_path / "both.csv"
    both.write_text(HEADER + "\n".join(rows) + "\n")
    again = ingest_orders(store, both)  # the whole export: every line is present, one for one
    assert again.new_lines == 0 and again.already_present == 5 and again.lines_added_to_stored_orders == 0
    assert counts(store) == before


def test_crash_half_way_leaves_whole_invoices_and_rerun_completes(
    store: Store, sample_orders_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(orders_module, "CHUNK_LINES", 5_000)
    real_insert = orders_module.bulk_insert
    calls = {"lines": 0}

    def failing_insert(conn, table, columns, rows):  # type: ignore[no-untyped-def]
        if table == "order_lines":
            calls["lines"] += 1
            if calls["lines"] == 3:
                raise RuntimeError("disk full")
        return real_insert(conn, table, columns, rows)

    monkeypatch.setattr(orders_module, "bulk_insert", failing_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_orders(store, sample_orders_path)
    with store.engine.connect() as conn:
        partial = conn.execute(text("SELECT COUNT(*) FROM order_lines")).scalar_one()
        orphans = conn.execute(
            text(
                "SELECT COUNT(*) FROM orders o "
                "WHERE NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.invoice_id = o.invoice_id)"
            )
        ).scalar_one()
    assert 0 < partial < 52_302
    assert orphans == 0  # the failed chunk rolled back as a whole: no order without its lines
    monkeypatch.setattr(orders_module, "bulk_insert", real_insert)
    summary = ingest_orders(store, sample_orders_path)
    assert summary.new_lines == summary.stored - partial
    assert counts(store)["order_lines"] == summary.stored


def test_cancellations_stored_as_returns_and_linked(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        HEADER
        + "536365,22632,HAND WARMER RED,12,2010-12-01 08:26:00,1.85,17850,United Kingdom\n"
        + "C536391,22632,HAND WARMER RED,-4,2010-12-03 10:24:00,1.85,17850,United Kingdom\n"
        + "C536392,99999,UNKNOWN RETURN,-1,2010-12-03 10:24:00,1.00,17850,United Kingdom\n"
    )
    ingest_orders(store, path)
    with store.session() as session:
        returned = session.scalars(select(OrderLine).where(OrderLine.invoice_id == "C536391")).one()
        assert returned.quantity == -4
        assert returned.cancels_invoice_id == "536365"
        unlinked = session.scalars(select(OrderLine).where(OrderLine.invoice_id == "C536392")).one()
        assert unlinked.cancels_invoice_id is None
        assert session.get(Order, "C536391").kind == "cancellation"  # type: ignore[union-attr]


def test_bad_rows_quarantined_with_reasons(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER
        + "536365,22632,HAND WARMER RED,12,2010-12-01 08:26:00,1.85,17850,United Kingdom\n"
        + "536366,22633,HAND WARMER BLUE,12,31/31/2010,1.85,17850,United Kingdom\n"
        + "536367,22634,HAND WARMER PINK,a dozen,2010-12-01 08:26:00,1.85,17850,United Kingdom\n"
        + "536368,,NO SKU,1,2010-12-01 08:26:00,1.85,17850,United Kingdom\n"
        + "536370,22636,HAND WARMER GREY,99999999999999999999,2010-12-01 08:26:00,1.85,17850,United Kingdom\n"
        + "536371,22637,HAND WARMER GOLD,1,2010-12-01 08:26:00,1e30,17850,United Kingdom\n"
        + "536369,22635,HAND WARMER GRE"
    )
    summary = ingest_orders(store, path)
    assert (summary.rows_read, summary.stored, summary.rejected) == (7, 1, 6)
    with store.session() as session:
        rows = {r.row_number: r.reason for r in session.scalars(select(RejectedRow))}
    assert rows[2] == "unparseable date"
    assert rows[3] == "non-numeric quantity"
    assert rows[4] == "missing SKU"
    assert rows[5] == "quantity out of range"  # not wrapped into -9,223,372,036,854,775,808
    assert rows[6] == "price out of range"
    assert rows[7].startswith("malformed line")
    ingest_orders(store, path)  # re-ingesting keeps one quarantine entry per bad row
    assert counts(store)["rejected_rows"] == 6


def _line(
    invoice: str = "536380",
    sku: str = "22632",
    description: str = "HAND WARMER RED",
    when: str = "2010-12-01 08:26:00",
    merchant: str = "17850",
    country: str = "United Kingdom",
) -> str:
    return f"{invoice},{sku},{description},1,{when},1.85,{merchant},{country}\n"


def test_a_value_the_store_cannot_hold_is_a_rejected_row_alike_on_both_backends(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    rows = [
        _line(),
        _line(invoice="5" * 33),
        _line(sku="S" * 65),
        _line(merchant="1" * 65),
        _line(country="U" * 101),
        _line(description="HAND\x00WARMER"),
        _line(when="3000-01-01 00:00:00"),
        "536381,22632,HAND\x00WARMER,1,2010-12-01 08:26:00,1.85,17850,United Kingdom,extra\n",
        _line(invoice="5" * 32, sku="S" * 64, merchant="1" * 64, country="U" * 100),  # each at its column's limit
    ]
    path.write_text(HEADER + "".join(rows))
    summary = ingest_orders(store, path)  # PostgreSQL: StringDataRightTruncation / NUL, nothing stored
    assert (summary.rows_read, summary.stored, summary.rejected) == (9, 2, 7)
    with store.session() as session:
        rejected = {r.row_number: (r.reason, r.raw) for r in session.scalars(select(RejectedRow))}
        stored = session.execute(select(OrderLine.invoice_id, OrderLine.sku, OrderLine.merchant_id)).all()
        country = session.scalar(select(Order.country).where(Order.invoice_id == "5" * 32))
    assert {number: reason for number, (reason, _) in rejected.items()} == {
        2: "invoice id longer than 32 characters",
        3: "SKU longer than 64 characters",
        4: "merchant id longer than 64 characters",
        5: "country longer than 100 characters",
        6: "description contains a NUL character",
        7: "date out of range (years 1678 to 2261)",
        8: "malformed line: expected 8 fields, saw 9",
    }
    assert json.loads(rejected[3][1])["StockCode"] == "S" * 65  # the fields as written
    assert json.loads(rejected[6][1])["Description"] == "HAND\x00WARMER"
    assert rejected[8][1] == "536381,22632,HAND\\u0000WARMER,1,2010-12-01 08:26:00,1.85,17850,United Kingdom,extra"
    assert sorted(stored) == [("536380", "22632", "17850"), ("5" * 32, "S" * 64, "1" * 64)]
    assert country == "U" * 100


def test_the_quarantine_holds_a_reason_or_source_longer_than_its_column(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + _line() + _line(when="yesterday"))
    parsed = parse_orders(path)
    parsed.rejected["reason"] = "r" * 250
    long_name = replace(parsed, source="s" * 400 + ".csv")
    summary = store_orders(store, long_name)  # PostgreSQL: StringDataRightTruncation; SQLite stored all 250
    assert (summary.stored, summary.rejected) == (1, 1)
    with store.session() as session:
        quarantined = session.scalars(select(RejectedRow)).one()
        sources = {session.scalar(select(Order.source)), session.scalar(select(IngestRun.source))}
    assert quarantined.reason == "r" * 199 + "…" and quarantined.source == "s" * 299 + "…"
    assert sources == {"s" * 299 + "…"}


def test_catalog_keeps_latest_description_and_price(store: Store, sample_orders_path: Path) -> None:
    ingest_orders(store, sample_orders_path)
    lines = parse_orders(sample_orders_path).lines
    product = lines[lines.is_product & (lines.quantity > 0) & (lines.unit_price > 0)]
    sku = product["sku"].value_counts().index[0]
    latest = product[product.sku == sku].sort_values(["ordered_at", "row_number"]).iloc[-1]
    with store.session() as session:
        stored = session.get(Product, sku)
    assert stored is not None
    assert float(stored.unit_price or 0) == pytest.approx(latest["unit_price"])


def test_a_products_title_is_its_latest_sale_description_not_a_stock_note(tmp_path: Path) -> None:
    # Online Retail's stock adjustments (no customer, no price) carry notes: 114 products were titled "damaged",
    # "check", "thrown away" where a note was their latest line
    header = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
    rows = [
        "536365,20902,VINTAGE KEEPSAKE BOX PARIS DAYS,4,2011-01-05 10:00:00,3.75,17850,United Kingdom\n",
        "536366,20902,check,-12,2011-03-01 10:00:00,0,,United Kingdom\n",
        "536367,21769,showroom,-1,2011-03-01 10:00:00,0,,United Kingdom\n",  # never sold: the note is all there is
    ]
    path = tmp_path / "orders.csv"
    path.write_text(header + "".join(rows), encoding="utf-8")
    catalog = orders_module.derive_catalog(parse_orders(path).lines).set_index("sku")
    assert catalog.loc["20902", "title"] == "VINTAGE KEEPSAKE BOX PARIS DAYS"
    assert catalog.loc["21769", "title"] == "showroom"
