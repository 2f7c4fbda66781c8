"""Catalog search over S's products (any key; a merchant key personalises for its own merchant)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from assistant.api.deps import PrincipalDep, ServicesDep, merchant_scope
from assistant.api.errors import ERROR_RESPONSES
from core.domain import SearchHit

router = APIRouter(prefix="/v1/catalog", tags=["catalog"], responses=ERROR_RESPONSES)


class SearchResponse(BaseModel):
    query: str
    hits: list[SearchHit]


@router.get("/search", response_model=SearchResponse, summary="Search the catalog (English or Chinese)")
def search_catalog(
    services: ServicesDep,
    principal: PrincipalDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="free text, e.g. 'red lunch bag' or '圣诞装饰'")],
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    in_stock: bool = False,
    max_price: Annotated[float | None, Query(gt=0)] = None,
    category: Annotated[str | None, Query(max_length=200)] = None,
    merchant_id: Annotated[str | None, Query(description="admin/marketing: personalise for this merchant")] = None,
) -> SearchResponse:
    merchant = merchant_scope(principal, merchant_id)
    with services.cpu():
        hits = services.search.search(
            q, k=k, in_stock=in_stock, max_price=max_price, category=category, merchant_id=merchant
        )
    return SearchResponse(query=q, hits=hits)
