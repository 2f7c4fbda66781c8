"""S's price and availability for suggested SKUs, read from the products table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import or_, select

from core.db import Store
from core.domain import plain_price
from core.tables import Product


@dataclass(frozen=True)
class Offer:
    sku: str
    title: str
    unit_price: Decimal | None
    currency: str
    stock: int | None
    active: bool

    @property
    def available(self) -> bool:
        """Orderable: active and not out of stock (unknown stock counts as available)."""
        return self.active and (self.stock is None or self.stock > 0)


def offers(store: Store, skus: list[str]) -> dict[str, Offer]:
    found: dict[str, Offer] = {}
    unique = sorted(set(skus))
    with store.session() as session:
        for start in range(0, len(unique), 500):
            rows = session.execute(
                select(
                    Product.sku, Product.title, Product.unit_price, Product.currency, Product.stock, Product.active
                ).where(Product.sku.in_(unique[start : start + 500]))
            )
            for sku, title, price, currency, stock, active in rows:
                found[sku] = Offer(sku, title or "", plain_price(price), currency or "GBP", stock, bool(active))
    return found


def unorderable_skus(store: Store) -> set[str]:
    """SKUs S cannot sell now: inactive or with zero (or negative) stock."""
    with store.session() as session:
        rows = session.execute(select(Product.sku).where(or_(Product.active.is_(False), Product.stock <= 0)))
        return {row[0] for row in rows}
