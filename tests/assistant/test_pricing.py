from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from assistant.pricing import price_quotes, retail_price
from core.db import Store
from core.settings import Settings
from core.tables import Merchant, MerchantPrice, Product


def _seed(store: Store) -> None:
    now = datetime(2011, 1, 1)
    with store.session() as s:
        s.add_all([
            Product(sku="A1", title="MUG", unit_price=Decimal("2.00")),
            Product(sku="B2", title="BAG", unit_price=Decimal("1.25")),
            Product(sku="C3", title="NO PRICE", unit_price=None),
            Merchant(id="m1", name="one", retail_markup=Decimal("2.5"), created_at=now),
            Merchant(id="m2", name="two", created_at=now),
        ])  # fmt: skip
        s.flush()
        s.add(MerchantPrice(merchant_id="m1", sku="A1", retail_price=Decimal("4.99")))


def test_price_list_then_markup_then_default(store: Store, settings: Settings) -> None:
    _seed(store)
    quotes = price_quotes(store, settings, "m1", ["a1", "B2", "C3", "ZZ"])
    assert (quotes["A1"].retail, quotes["A1"].source) == (Decimal("4.99"), "price_list")
    assert (quotes["B2"].retail, quotes["B2"].source) == (Decimal("3.13"), "merchant_markup")  # 1.25 x 2.5, rounded
    assert quotes["C3"].retail is None and "ZZ" not in quotes
    assert quotes["A1"].wholesale == Decimal("2.00")
    assert retail_price(store, settings, "m2", "A1") == Decimal("3.60")  # default markup 1.8
    assert price_quotes(store, settings, "m2", ["B2"])["B2"].source == "default_markup"


def test_one_merchant_price_list_never_used_for_another(store: Store, settings: Settings) -> None:
    _seed(store)
    assert price_quotes(store, settings, "m2", ["A1"])["A1"].source == "default_markup"
