"""Restock lists: the stored batch list (or one computed on demand), and an LLM-summarised draft."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from assistant.agent.ports import draft_dict, grounding_of
from assistant.api.deps import PrincipalDep, ServicesDep, merchant_scope, require_existing
from assistant.api.errors import ERROR_RESPONSES, LLM_RESPONSES, ApiError, forbidden
from assistant.api.services import Services
from assistant.keys import Principal
from core.domain import RestockItem
from core.tables import RestockList as RestockRow
from recsys.list_date import check_list_date

router = APIRouter(prefix="/v1/merchants", tags=["restock"], responses=ERROR_RESPONSES)


class RestockResponse(BaseModel):
    merchant_id: str
    as_of: date
    model_version: str
    source: Literal["batch", "on_demand"]
    items: list[RestockItem]


class GenerateRequest(BaseModel):
    lang: Literal["en", "zh"] | None = None
    k: int = Field(default=10, ge=1, le=50)


class DraftResponse(BaseModel):
    model_config = ConfigDict(extra="allow")
    content_id: int
    merchant_id: str
    kind: str
    grounding: dict[str, Any]


def merchant_for(services: Services, principal: Principal, merchant_id: str) -> str:
    """Merchant keys: only their own id (403 otherwise, whether or not the other id exists). Others: must exist."""
    if principal.role == "marketing":
        raise forbidden("restock lists need a merchant or admin key")
    scoped = merchant_scope(principal, merchant_id)
    assert scoped is not None
    return require_existing(services, scoped) if principal.role == "admin" else scoped


def stored_list(services: Services, merchant_id: str, as_of: date | None) -> RestockRow | None:
    """The merchant's newest stored batch list, or its list for `as_of` when one is named."""
    query = select(RestockRow).where(RestockRow.merchant_id == merchant_id)
    if as_of is not None:
        query = query.where(RestockRow.as_of == as_of)
    with services.store.session() as session:
        return session.scalar(query.order_by(RestockRow.as_of.desc(), RestockRow.created_at.desc()).limit(1))


def stored_dates(services: Services, merchant_id: str, limit: int = 10) -> list[date]:
    with services.store.session() as session:
        rows = session.scalars(
            select(RestockRow.as_of)
            .where(RestockRow.merchant_id == merchant_id)
            .distinct()
            .order_by(RestockRow.as_of.desc())
            .limit(limit)
        )
        return list(rows)


def not_stored(services: Services, merchant_id: str, as_of: date | None, latest: date | None = None) -> ApiError:
    when = f" as of {as_of}" if as_of else ""
    dates = ", ".join(str(day) for day in stored_dates(services, merchant_id)) or "none"
    hint = f"; without as_of you get the list as of the newest orders ({latest})" if latest else ""
    return ApiError(404, f"no stored batch restock list for merchant {merchant_id!r}{when} (stored: {dates}){hint}")


@router.get("/{merchant_id}/restock", response_model=RestockResponse, summary="The merchant's restock list")
def get_restock(
    merchant_id: str,
    services: ServicesDep,
    principal: PrincipalDep,
    k: Annotated[int, Query(ge=1, le=100)] = 20,
    source: Annotated[Literal["auto", "batch"], Query()] = "auto",
    as_of: Annotated[date | None, Query(description="the list as of this date (orders up to the end of it)")] = None,
) -> RestockResponse:
    """The newest stored batch list of the merchant (`s2b batch restock`), or one computed on demand when there
    is none or it is older than the newest orders; `source=batch` answers with the stored list or 404, never
    computing. `source` in the answer says which it was.

    `as_of` asks for the list as of that date: the batch list stored for it, else one computed on demand. A
    merchant key computes on demand only as of the newest orders (each other date trains a model); admin keys
    any date. Dates with stored lists are named in the 404's message."""
    merchant = merchant_for(services, principal, merchant_id)
    if as_of is not None:
        try:
            check_list_date(as_of)
        except ValueError as exc:
            raise ApiError(422, f"as_of {exc}") from exc
    row = stored_list(services, merchant, as_of)
    if row is None and source == "batch":
        raise not_stored(services, merchant, as_of)
    if as_of is None and source == "auto" and row is not None and row.as_of < services.restock.default_as_of():
        row = None  # a batch run for an older date is not the default list once newer orders are in
    day = as_of or (row.as_of if row else None)
    if row is None and as_of is not None and principal.role != "admin":
        latest = services.restock.default_as_of()
        if as_of != latest:
            raise not_stored(services, merchant, as_of, latest)
    # the restock source serves a stored list for its as_of date (enriched with titles, prices, stock)
    restock = services.restock.restock_for(merchant, as_of=day, k=k)
    stored = row is not None and (row.as_of, row.model_version) == (restock.as_of, restock.model_version)
    return RestockResponse(
        merchant_id=merchant,
        as_of=restock.as_of,
        model_version=restock.model_version,
        source="batch" if stored else "on_demand",
        items=restock.items,
    )


@router.post(
    "/{merchant_id}/restock/generate",
    response_model=DraftResponse,
    status_code=201,
    summary="Restock list with an LLM summary (saved as a draft)",
    responses=LLM_RESPONSES,
)
def generate_restock(
    merchant_id: str, services: ServicesDep, principal: PrincipalDep, body: GenerateRequest | None = None
) -> DraftResponse:
    merchant = merchant_for(services, principal, merchant_id)
    body = body or GenerateRequest()
    draft = services.generators.restock(merchant, lang=body.lang, k=body.k)
    grounding = grounding_of(draft)
    if not grounding.get("passed", True):
        services.metrics.grounding_failures.inc("restock")
    content_id = services.generators.save(merchant, "restock", draft)
    # the draft names its merchant too: the route's values win rather than clash (a 500 on every call until 2026-11-23)
    route = {"grounding": grounding, "content_id": content_id, "merchant_id": merchant, "kind": "restock"}
    return DraftResponse(**(draft_dict(draft) | route))
