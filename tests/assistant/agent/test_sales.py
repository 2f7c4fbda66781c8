from __future__ import annotations

from assistant.agent.sales import known_merchants, product_details, sales_summary
from core.db import Store
from tests.assistant.api.fakes import seed_store


def test_sales_summary_counts_only_the_merchants_own_orders(store: Store) -> None:
    seed_store(store)
    summary = sales_summary(store, "12583")
    assert (summary["invoices"], summary["units"], summary["spend"]) == (1, 54, "146.82")
    assert [p["sku"] for p in summary["top_products"]] == ["84879", "22423"]
    assert sales_summary(store, "17850")["units"] == 44
    assert sales_summary(store, "nobody")["invoices"] == 0


def test_product_details_reports_the_callers_history_only(store: Store) -> None:
    seed_store(store)
    mine = product_details(store, "12583", "22423")
    assert mine is not None and (mine["price"], mine["stock"], mine["your_units"]) == ("10.95", 8, 6)
    theirs = product_details(store, "17850", "22423")
    assert theirs is not None and theirs["your_orders"] == 0
    assert product_details(store, "12583", "NOPE") is None


def test_known_merchants_excludes_skus(store: Store) -> None:
    seed_store(store)
    assert known_merchants(store, {"17850", "22423", "55555"}) == {"17850"}
