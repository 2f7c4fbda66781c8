from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.db import Store
from ingestion.parse import parse_orders
from recsys.data import LINE_COLUMNS, fingerprint, load_order_lines, load_purchase_events, purchase_events


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
    from_store = purchase_events(load_order_lines(sample_store, purchases_only=True))
    assert len(from_file) == len(from_store) > 0
    assert fingerprint(from_file) == fingerprint(from_store)
    # the full load, filtered by purchase_events, agrees with the purchases-only query
    assert fingerprint(purchase_events(load_order_lines(sample_store))) == fingerprint(from_store)


def test_load_purchase_events_equals_purchase_events_of_the_stored_lines(sample_store: Store) -> None:
    expected = purchase_events(load_order_lines(sample_store, purchases_only=True))
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
