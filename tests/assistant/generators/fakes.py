"""Small fakes of the recommender and the search, plus a seeded store, for generator tests."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from core.db import Store
from core.domain import RestockItem, RestockList, SearchHit
from core.tables import Merchant, MerchantPrice, Order, Product

PRODUCTS = {
    "85123A": ("CREAM HANGING HEART T-LIGHT HOLDER", Decimal("2.95")),
    "22423": ("REGENCY CAKESTAND 3 TIER", Decimal("12.75")),
    "47566": ("PARTY BUNTING", Decimal("4.95")),
    "23084": ("RABBIT NIGHT LIGHT", Decimal("2.08")),
    "22776": ("SWEETHEART CAKESTAND 3 TIER", Decimal("9.95")),
    "22910": ("PAPER CHAIN KIT VINTAGE CHRISTMAS", Decimal("2.95")),
}


def seed(store: Store) -> None:
    now = datetime(2011, 12, 1)
    with store.session() as s:
        for sku, (title, price) in PRODUCTS.items():
            s.add(Product(sku=sku, title=title, unit_price=price, active=sku != "23084"))
        s.add_all([
            Merchant(id="m-en", name="Corner shop", language="en", created_at=now),
            Merchant(id="m-zh", name="小店", language="zh", retail_markup=Decimal("2"), created_at=now),
            Merchant(id="m-other", name="Other", language="en", created_at=now),
        ])  # fmt: skip
        s.flush()
        s.add(MerchantPrice(merchant_id="m-en", sku="22423", retail_price=Decimal("24.99")))
        s.add(Order(invoice_id="536365", merchant_id="m-en", ordered_at=now, kind="purchase", source="t"))


class FakeRestock:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def restock_for(self, merchant_id: str, *, as_of: date | None = None, k: int = 20) -> RestockList:
        self.calls.append((merchant_id, k))
        items = [
            RestockItem(sku="85123A", title="CREAM HANGING HEART T-LIGHT HOLDER", quantity=12,
                        unit_price=Decimal("2.95"), reason={"kind": "repeat"}),
            RestockItem(sku="22423", title="REGENCY CAKESTAND 3 TIER", quantity=2, unit_price=Decimal("12.75"),
                        reason={"kind": "discover"}),
        ]  # fmt: skip
        return RestockList(merchant_id=merchant_id, as_of=date(2011, 12, 9), model_version="fake-1", items=items[:k])


class FakeSearch:
    """Hits in the given order; `dense`/`keyword` are their relevance scores (low ones fail the reply's gate);
    the SKUs in `named` hold every catalog word of the query (`SearchHit.named`)."""

    def __init__(
        self, skus: list[str] | None = None, *, dense: float = 0.8, keyword: float = 0.5, named: Collection[str] = ()
    ) -> None:
        self.skus = skus if skus is not None else ["85123A", "47566"]
        self.dense = dense
        self.keyword = keyword
        self.named = set(named)
        self.calls: list[dict[str, Any]] = []

    def search(self, query: str, **kwargs: Any) -> list[SearchHit]:
        self.calls.append({"query": query, **kwargs})
        return [
            SearchHit(
                sku=s,
                title=PRODUCTS[s][0],
                price=PRODUCTS[s][1],
                score=1.0 - n / 10,
                dense=self.dense - n / 100,
                keyword=self.keyword,
                named=s in self.named,
            )
            for n, s in enumerate(self.skus)
        ]


def js(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)
