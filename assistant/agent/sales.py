"""Read-only queries over one merchant's own orders. Every function filters by the merchant id it is given."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, select

from core.db import Store
from core.tables import Merchant, Order, OrderLine, Product


def _money(value: Any) -> str:
    return f"{Decimal(value or 0).quantize(Decimal('0.01'))}"


def sales_summary(store: Store, merchant_id: str, days: int | None = None, top: int = 5) -> dict[str, Any]:
    """The merchant's purchases from S: invoices, units, spend, returns and top SKUs.

    `days` counts back from the merchant's latest order (the demo data ends in 2011, so "now" would be empty).
    """
    with store.session() as session:
        last = session.scalar(select(func.max(OrderLine.ordered_at)).where(OrderLine.merchant_id == merchant_id))
        if last is None:
            return {"merchant_id": merchant_id, "invoices": 0, "units": 0, "spend": "0.00", "top_products": []}
        since = last - timedelta(days=days) if days else None
        where = [OrderLine.merchant_id == merchant_id, OrderLine.is_product.is_(True)]
        if since is not None:
            where.append(OrderLine.ordered_at > since)
        bought = OrderLine.quantity > 0
        row = session.execute(
            select(
                func.count(func.distinct(case((bought, OrderLine.invoice_id)))),
                func.coalesce(func.sum(case((bought, OrderLine.quantity), else_=0)), 0),
                func.coalesce(func.sum(case((bought, OrderLine.quantity * OrderLine.unit_price), else_=0)), 0),
                func.coalesce(func.sum(case((~bought, -OrderLine.quantity), else_=0)), 0),
                func.min(OrderLine.ordered_at),
            ).where(and_(*where))
        ).one()
        top_rows = session.execute(
            select(OrderLine.sku, func.max(Product.title), func.sum(OrderLine.quantity).label("units"))
            .join(Product, Product.sku == OrderLine.sku, isouter=True)
            .where(and_(*where), bought)
            .group_by(OrderLine.sku)
            .order_by(func.sum(OrderLine.quantity).desc(), OrderLine.sku)
            .limit(top)
        ).all()
        currency = session.scalar(select(Product.currency).limit(1)) or "GBP"
    return {
        "merchant_id": merchant_id,
        "period_days": days,
        "from": (since or row[4]).date().isoformat() if (since or row[4]) else None,
        "to": last.date().isoformat(),
        "invoices": int(row[0]),
        "units": int(row[1]),
        "spend": _money(row[2]),
        "currency": currency,
        "returned_units": int(row[3]),
        "top_products": [{"sku": sku, "title": title or "", "units": int(units)} for sku, title, units in top_rows],
    }


def product_details(store: Store, merchant_id: str, sku: str) -> dict[str, Any] | None:
    """One catalog product plus the merchant's own history with it; None when the SKU is unknown."""
    sku = sku.strip().upper()
    with store.session() as session:
        product = session.get(Product, sku)
        if product is None:
            return None
        history = session.execute(
            select(
                func.count(func.distinct(OrderLine.invoice_id)),
                func.coalesce(func.sum(OrderLine.quantity), 0),
                func.max(OrderLine.ordered_at),
            ).where(OrderLine.merchant_id == merchant_id, OrderLine.sku == sku, OrderLine.quantity > 0)
        ).one()
    return {
        "sku": product.sku,
        "title": product.title,
        "description": product.description,
        "category": product.category,
        "price": _money(product.unit_price) if product.unit_price is not None else None,
        "currency": product.currency,
        "stock": product.stock,
        "active": product.active,
        "your_orders": int(history[0]),
        "your_units": int(history[1]),
        "your_last_order": history[2].date().isoformat() if history[2] else None,
    }


def merchant_profile(store: Store, merchant_id: str) -> dict[str, Any] | None:
    with store.session() as session:
        merchant = session.get(Merchant, merchant_id)
        if merchant is None:
            return None
        return {"id": merchant.id, "name": merchant.name, "language": merchant.language, "country": merchant.country}


def known_merchants(store: Store, candidates: set[str]) -> set[str]:
    """Which of these ids are merchants and not also product SKUs (used to spot cross-merchant requests)."""
    if not candidates:
        return set()
    with store.session() as session:
        merchants = set(session.scalars(select(Merchant.id).where(Merchant.id.in_(candidates))))
        skus = set(session.scalars(select(Product.sku).where(Product.sku.in_({c.upper() for c in candidates}))))
        orders = set(session.scalars(select(Order.invoice_id).where(Order.invoice_id.in_(candidates))))
    return {m for m in merchants if m.upper() not in skus and m not in orders}
