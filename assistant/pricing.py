"""Prices a merchant may quote: S's wholesale price, and the merchant's retail (consumer) price.

Retail price of a SKU for a merchant: its own price list (merchant_prices), else wholesale x the merchant's
retail_markup, else wholesale x settings.default_markup, rounded to the penny. No wholesale price, no retail price.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from core.db import Store
from core.settings import Settings
from core.tables import Merchant, MerchantPrice, Product

PENNY = Decimal("0.01")


@dataclass(frozen=True)
class PriceQuote:
    sku: str
    title: str
    wholesale: Decimal | None
    retail: Decimal | None
    currency: str
    source: str  # price_list | merchant_markup | default_markup | none
    active: bool
    stock: int | None


def money(value: Decimal | float | int) -> Decimal:
    return Decimal(str(value)).quantize(PENNY, rounding=ROUND_HALF_UP)


def merchant_exists(store: Store, merchant_id: str) -> bool:
    with store.session() as session:
        return session.get(Merchant, merchant_id) is not None


def price_quotes(store: Store, settings: Settings, merchant_id: str, skus: Iterable[str]) -> dict[str, PriceQuote]:
    """Quotes for the SKUs that exist in S's catalog (unknown SKUs are absent from the result)."""
    wanted = sorted({s.strip().upper() for s in skus if s and s.strip()})
    if not wanted:
        return {}
    with store.session() as session:
        merchant = session.get(Merchant, merchant_id)
        markup = Decimal(str(merchant.retail_markup)) if merchant and merchant.retail_markup else None
        products = session.scalars(select(Product).where(Product.sku.in_(wanted))).all()
        listed = {
            row.sku: (row.retail_price, row.currency)
            for row in session.scalars(
                select(MerchantPrice).where(MerchantPrice.merchant_id == merchant_id, MerchantPrice.sku.in_(wanted))
            )
        }
    default = Decimal(str(settings.default_markup))
    quotes = {}
    for product in products:
        wholesale = money(product.unit_price) if product.unit_price is not None else None
        retail: Decimal | None
        if product.sku in listed:
            retail, currency, source = money(listed[product.sku][0]), listed[product.sku][1], "price_list"
        elif wholesale is not None and wholesale > 0:
            factor, source = (markup, "merchant_markup") if markup else (default, "default_markup")
            retail, currency = money(wholesale * factor), product.currency
        else:
            retail, currency, source = None, product.currency, "none"
        quotes[product.sku] = PriceQuote(
            sku=product.sku,
            title=product.title or product.sku,
            wholesale=wholesale,
            retail=retail,
            currency=currency,
            source=source,
            active=bool(product.active),
            stock=product.stock,
        )
    return quotes


def retail_price(store: Store, settings: Settings, merchant_id: str, sku: str) -> Decimal | None:
    quote = price_quotes(store, settings, merchant_id, [sku]).get(sku.strip().upper())
    return quote.retail if quote else None
