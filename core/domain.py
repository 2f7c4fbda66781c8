"""Pydantic models that cross package boundaries (recsys -> assistant -> HTTP), and the ports they flow through.

recsys implements RestockSource and CatalogSearch; the assistant and the HTTP layer depend only on these.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

Language = Literal["en", "zh"]


def plain_price(value: Decimal | None) -> Decimal | None:
    """A price as the store holds it (NUMERIC(14, 4): 2.9500) without the zeros past the pennies: 2.95, 3.00,
    0.0021 (a fraction of a penny keeps its digits)."""
    if value is None:
        return None
    pennies = value.quantize(Decimal("0.01"))
    return pennies if pennies == value else value.normalize()


class RestockItem(BaseModel):
    """One line of a restock list. Every number here is computed from data, never written by an LLM."""

    sku: str
    title: str
    quantity: int = Field(ge=1, description="Suggested order quantity")
    unit_price: Decimal | None = Field(None, description="S's wholesale unit price")
    currency: str = "GBP"
    available: bool = True
    stock: int | None = None
    expected_reorder_date: date | None = None
    score: float = 0.0
    reason: dict[str, Any] = Field(default_factory=dict, description='e.g. {"kind": "repeat", ...}')


class RestockList(BaseModel):
    merchant_id: str
    as_of: date
    model_version: str
    items: list[RestockItem]


class SearchHit(BaseModel):
    sku: str
    title: str
    price: Decimal | None = Field(None, description="S's wholesale unit price")
    score: float
    stock: int | None = None
    active: bool = True
    category: str | None = None
    dense: float | None = Field(
        None, description="Cosine of query and product embeddings; None when the product was not a dense candidate"
    )
    keyword: float | None = Field(
        None, description="Share of the query's keyword weight (IDF) found in the product text, 0..1"
    )
    named: bool = Field(
        False, description="The product text holds every catalog word of the query, and there are at least two"
    )


class RestockSource(Protocol):
    def restock_for(self, merchant_id: str, *, as_of: date | None = None, k: int = 20) -> RestockList: ...

    def default_as_of(self) -> date:
        """The date lists are for when no `as_of` is given: the day of the newest order."""
        ...


class CatalogSearch(Protocol):
    def search(
        self,
        query: str,
        *,
        k: int = 10,
        in_stock: bool = False,
        max_price: float | None = None,
        category: str | None = None,
        merchant_id: str | None = None,
    ) -> list[SearchHit]: ...
