from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import text

from core.db import Store
from ingestion.orders import ingest_orders
from ingestion.parse import parse_orders
from recsys.data import (
    LINE_COLUMNS,
    fingerprint,
    load_order_lines,
    load_purchase_events,
    load_returns,
    purchase_events,
)
from recsys.history import build_history, known_before


def test_store_lines_have_the_parse_orders_shape(sample_store: Store, sample_orders_path: Path) -> None:
    parsed = parse_orders(sample_orders_path).lines
    loaded = load_order_lines(sample_store)
    assert list(loaded.columns) == list(parsed.columns) == LINE_COLUMNS
    for column in ("quantity", "unit_price", "row_number", "line_no"):
        assert loaded[column].dtype.kind == parsed[column].dtype.kind
    assert loaded["ordered_at"].dtype.kind == "M"
    assert loaded["is_product"].dtype == bool


def test_store_and_file_give_the_same_purchase_events(sample_store: Store, sample_orders_path: Path) -> None:
    from_file = purchase_events(parse_orders(sample_orders_path).lines)
    from_store = purchase_events(load_order_lines(sample_store, purchases_only=True), load_returns(sample_store))
    assert len(from_file) == len(from_store) > 0
    assert from_file["returned_at"].notna().sum() > 0, "the sample has purchases returned in full"
    # the same values; the times' units differ (nanoseconds parsed from text, microseconds from the driver)
    in_ns = {"ordered_at": "datetime64[ns]", "returned_at": "datetime64[ns]"}
    pd.testing.assert_frame_equal(from_file.astype(in_ns), from_store.astype(in_ns))
    # the full load (its returns linked again by purchase_events) agrees with the purchases and the stored links
    pd.testing.assert_frame_equal(purchase_events(load_order_lines(sample_store)), from_store)


def test_load_purchase_events_equals_purchase_events_of_the_stored_lines(sample_store: Store) -> None:
    expected = purchase_events(load_order_lines(sample_store, purchases_only=True), load_returns(sample_store))
    loaded = load_purchase_events(sample_store)
    assert len(loaded) > 0
    pd.testing.assert_frame_equal(loaded, expected)


def test_purchase_events_keep_only_named_product_purchases(sample_orders_path: Path) -> None:
    lines = parse_orders(sample_orders_path).lines
    events = purchase_events(lines)
    assert (events["merchant_id"] != "").all()
    assert (events["quantity"] > 0).all()
    assert not events["invoice_id"].str.startswith(("C", "A")).any()
    assert not events["sku"].isin(["POST", "DOT", "M", "BANK CHARGES"]).any()
    assert not events.duplicated(["invoice_id", "sku"]).any()
    assert events["ordered_at"].is_monotonic_increasing


def test_until_filters_by_date(sample_store: Store) -> None:
    cut = pd.Timestamp("2011-06-01")
    lines = load_order_lines(sample_store, until=cut.date())
    assert len(lines) > 0
    assert (lines["ordered_at"] < cut).all()


def _lines(rows: list[tuple[str, str, int, str]]) -> pd.DataFrame:
    """Order lines of merchant 1 from (invoice, sku, quantity, time)."""
    return pd.DataFrame(
        {
            "row_number": range(1, len(rows) + 1),
            "invoice_id": [r[0] for r in rows],
            "sku": [r[1] for r in rows],
            "description": "",
            "quantity": [r[2] for r in rows],
            "unit_price": 1.0,
            "ordered_at": pd.to_datetime([r[3] for r in rows]),
            "merchant_id": "1",
            "country": "",
            "is_product": True,
            "line_no": 1,
        },
        columns=LINE_COLUMNS,
    )


def test_a_purchase_returned_in_full_leaves_the_history_once_its_last_return_is_known() -> None:
    events = purchase_events(
        _lines(
            [
                ("500", "A", 24, "2011-01-03"),
                ("500", "B", 10, "2011-01-03"),
                ("C501", "A", -12, "2011-01-05"),  # half of A back: still bought
                ("C502", "B", -10, "2011-01-04"),  # all of B back
                ("C503", "A", -12, "2011-01-09"),  # the rest of A back
                ("504", "A", 6, "2011-02-01"),
            ]
        )
    )
    returned = dict(zip(events["invoice_id"] + events["sku"], events["returned_at"], strict=True))
    assert sorted(returned) == ["500A", "500B", "504A"]
    assert returned["500A"] == pd.Timestamp("2011-01-09") and returned["500B"] == pd.Timestamp("2011-01-04")
    assert pd.isna(returned["504A"])

    def bought(as_of: str) -> list[str]:
        history = build_history(events, pd.Timestamp(as_of))
        return sorted(history.skus[history.i] + "@" + history.q.astype(int).astype(str))

    assert bought("2011-01-04") == ["A@24", "B@10"]  # no return known yet
    assert bought("2011-01-05") == ["A@24"]  # B came back whole on the 4th; A only in part so far
    assert bought("2011-01-10") == []  # the rest of A came back on the 9th
    assert bought("2011-03-01") == ["A@6"]  # the later purchase was kept
    assert len(known_before(events, pd.Timestamp("2011-03-01"))) == 1


def test_the_events_and_their_fingerprint_do_not_depend_on_where_the_database_keeps_the_rows(
    store: Store, sample_orders_path: Path
) -> None:
    # PostgreSQL moves an updated row to the end of the table, and a scan may start where another one is: two
    # shards of one batch run read one invoice's SKUs in two orders and trained under two model versions
    ingest_orders(store, sample_orders_path)
    before = load_purchase_events(store)
    query = (
        "SELECT MIN(id) FROM order_lines WHERE merchant_id IS NOT NULL AND is_product AND quantity > 0 "
        "GROUP BY invoice_id HAVING COUNT(DISTINCT sku) > 2 ORDER BY MIN(id) LIMIT 1"
    )
    with store.session() as session:
        first_line = session.execute(text(query)).scalar_one()
        session.execute(text("UPDATE order_lines SET quantity = quantity WHERE id = :id"), {"id": first_line})
    after = load_purchase_events(store)
    pd.testing.assert_frame_equal(after, before)
    assert fingerprint(after) == fingerprint(before)
    lines = load_order_lines(store)
    assert lines["row_number"].is_monotonic_increasing  # the order they were stored in
