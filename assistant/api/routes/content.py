"""Content for marketing: generate copy (one or a batch), pull it with filters and pagination, approve or reject.
Every item carries its grounding result, prompt id/version and model.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from assistant.agent.ports import grounding_of
from assistant.api.deps import PrincipalDep, ServicesDep, merchant_scope, require_existing, require_merchant
from assistant.api.errors import ERROR_RESPONSES, LLM_RESPONSES, ApiError
from assistant.api.services import Services
from assistant.api.text import StoredText
from assistant.generators.copy import CHANNELS, check_channel
from assistant.generators.persist import KINDS
from assistant.keys import Principal
from core.tables import BIGINT_MAX, GeneratedContent, Product

router = APIRouter(prefix="/v1/content", tags=["content"], responses=ERROR_RESPONSES)
PENDING = ("draft", "flagged")
ContentId = Annotated[int, Path(ge=1, le=BIGINT_MAX)]  # a larger id is a 422, not an overflow in the driver


class ContentRequest(BaseModel):
    # a misspelt field is an error, not a default: {"items": [...]} that fails as a batch must not pass as one request
    model_config = ConfigDict(extra="forbid")

    merchant_id: StoredText | None = Field(
        default=None, description="required for marketing/admin keys; a merchant key's own id"
    )
    skus: list[StoredText] | None = Field(
        None, max_length=10, description="products to feature (default: the generator's pick)"
    )
    channel: StoredText = Field(default="wechat_moments", max_length=40)
    lang: Literal["zh", "en"] = "zh"
    tone: StoredText = Field(default="friendly", max_length=40)
    max_chars: int | None = Field(default=None, ge=20, le=5000)
    theme: StoredText | None = Field(
        default=None, max_length=80,
        description="an occasion to write for (\"Mother's Day\", \"母亲节\", \"双11\"); without `skus` it also picks "
        "the products: the catalog's in-stock matches, else the recommender's picks (noted in repairs)",
    )  # fmt: skip
    variants: int = Field(
        default=3, ge=1, le=5,
        description="copy variants to write; a variant that fails its checks twice is left out (noted in repairs)",
    )  # fmt: skip


class ContentBatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[ContentRequest] = Field(min_length=1, max_length=20)


class ContentItem(BaseModel):
    id: int
    merchant_id: str
    kind: str
    channel: str | None
    language: str
    status: str
    text: str
    payload: dict[str, Any]
    grounding: dict[str, Any]
    prompt_id: str
    prompt_version: str
    model: str
    created_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None


class ContentList(BaseModel):
    items: list[ContentItem]
    next_cursor: int | None = Field(
        default=None, description="pass as `cursor` for the next page; null on the last page"
    )


class ReviewRequest(BaseModel):
    note: StoredText = Field(default="", max_length=1000)


def _item(row: GeneratedContent) -> ContentItem:
    return ContentItem.model_validate(row, from_attributes=True)


def _check_request(services: Services, principal: Principal, req: ContentRequest) -> None:
    """What can be checked without the model: the merchant, the channel and the SKUs (422 with the fix)."""
    require_existing(services, require_merchant(principal, req.merchant_id))
    check_channel(req.channel)  # a GenerationError: 422 cannot_generate
    wanted = {s.strip().upper() for s in req.skus or [] if s.strip()}
    if not wanted:
        return
    with services.store.session() as session:
        known = set(session.scalars(select(Product.sku).where(Product.sku.in_(wanted))))
    if wanted - known:
        unknown = ", ".join(sorted(wanted - known))
        raise ApiError(422, f"SKU(s) not in S's catalog: {unknown}; see GET /v1/catalog/search", "cannot_generate")


def _generate_one(services: Services, principal: Principal, req: ContentRequest) -> ContentItem:
    merchant = require_merchant(principal, req.merchant_id)
    draft = services.generators.copy(
        merchant,
        skus=req.skus,
        channel=req.channel,
        lang=req.lang,
        tone=req.tone,
        max_chars=req.max_chars,
        variants=req.variants,
        theme=req.theme,
    )
    if not grounding_of(draft).get("passed", True):
        services.metrics.grounding_failures.inc("copy")
    content_id = services.generators.save(merchant, "copy", draft, channel=req.channel)
    return _load(services, content_id)


def _load(services: Services, content_id: int) -> ContentItem:
    with services.store.session() as session:
        row = session.get(GeneratedContent, content_id)
        if row is None:
            raise ApiError(404, f"content {content_id} not found")
        return _item(row)


def _owned(services: Services, principal: Principal, content_id: int) -> ContentItem:
    item = _load(services, content_id)
    merchant_scope(principal, item.merchant_id)
    return item


@router.post(
    "",
    response_model=ContentList,
    status_code=201,
    summary="Generate marketing copy (one or a batch)",
    responses=LLM_RESPONSES,
)
def create_content(
    body: ContentRequest | ContentBatchRequest, services: ServicesDep, principal: PrincipalDep
) -> ContentList:
    """Generates copy for a merchant's SKUs on a channel, in a language; `{"items": [...]}` generates a batch.
    A merchant key may generate only for itself. Items are saved as drafts for review. Every item's merchant, channel
    and SKUs are checked before anything is generated (422 `cannot_generate` names the problem); while the language
    model is down the answer is 503 `llm_unavailable` with Retry-After."""
    requests = body.items if isinstance(body, ContentBatchRequest) else [body]
    for req in requests:  # check every item before generating anything: one bad item fails the batch, not half of it
        require_merchant(principal, req.merchant_id)
    for req in requests:
        _check_request(services, principal, req)
    return ContentList(items=[_generate_one(services, principal, req) for req in requests])


@router.get("", response_model=ContentList, summary="Pull generated content (filtered, newest first, paginated)")
def list_content(
    services: ServicesDep,
    principal: PrincipalDep,
    merchant: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[Literal["draft", "flagged", "approved", "rejected"] | None, Query()] = None,
    channel: Annotated[str | None, Query(max_length=40, description=f"one of {sorted(CHANNELS)}")] = None,
    kind: Annotated[str | None, Query(max_length=20, description=f"one of {sorted(KINDS.values())}")] = None,
    since: Annotated[
        datetime | None, Query(description="created at or after (ISO 8601; without an offset: UTC, as created_at)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[int | None, Query(ge=1, le=BIGINT_MAX, description="next_cursor of the previous page")] = None,
) -> ContentList:
    if channel is not None and channel not in CHANNELS:
        raise ApiError(422, f"unknown channel {channel!r}; use one of {sorted(CHANNELS)}")
    if kind is not None and kind not in KINDS.values():
        raise ApiError(422, f"unknown kind {kind!r}; use one of {sorted(KINDS.values())}")
    scoped = merchant_scope(principal, merchant)
    query = select(GeneratedContent).order_by(GeneratedContent.id.desc()).limit(limit + 1)
    if scoped is not None:
        query = query.where(GeneratedContent.merchant_id == scoped)
    if status is not None:
        query = query.where(GeneratedContent.status == status)
    if channel is not None:
        query = query.where(GeneratedContent.channel == channel)
    if kind is not None:
        query = query.where(GeneratedContent.kind == kind)
    if since is not None:
        query = query.where(GeneratedContent.created_at >= _as_stored(since))
    if cursor is not None:
        query = query.where(GeneratedContent.id < cursor)
    with services.store.session() as session:
        rows = list(session.scalars(query))
    more = len(rows) > limit
    items = [_item(row) for row in rows[:limit]]
    return ContentList(items=items, next_cursor=items[-1].id if more and items else None)


def _as_stored(moment: datetime) -> datetime:
    """A time as created_at is stored: UTC without an offset (a time without one is taken as UTC already)."""
    if moment.tzinfo is None:
        return moment
    try:
        return moment.astimezone(UTC).replace(tzinfo=None)
    except OverflowError as exc:
        raise ApiError(422, f"since {moment.isoformat()} is out of range in UTC") from exc


@router.get("/{content_id}", response_model=ContentItem, summary="One content item")
def get_content(content_id: ContentId, services: ServicesDep, principal: PrincipalDep) -> ContentItem:
    return _owned(services, principal, content_id)


def _review(services: Services, principal: Principal, content_id: int, decision: str, note: str) -> ContentItem:
    """Check and change the status in one transaction, so two reviewers cannot both decide the same draft."""
    with services.store.session() as session:
        row = session.get(GeneratedContent, content_id, with_for_update=True)
        if row is None:
            raise ApiError(404, f"content {content_id} not found")
        merchant_scope(principal, row.merchant_id)
        if row.status not in PENDING:
            raise ApiError(409, f"content {content_id} is already {row.status}")
        if decision == "approved" and not (row.grounding or {}).get("passed", True):
            raise ApiError(
                409, f"content {content_id} failed its grounding check and cannot be approved; regenerate it"
            )
        row.status = decision
        row.reviewed_by = f"{principal.role}:{principal.key_id}"
        row.reviewed_at = datetime.now(UTC).replace(tzinfo=None)
        row.payload = dict(row.payload or {}) | {"review": {"decision": decision, "note": note}}
        session.flush()
        return _item(row)


@router.post("/{content_id}/approve", response_model=ContentItem, summary="Approve a draft")
def approve_content(
    content_id: ContentId, services: ServicesDep, principal: PrincipalDep, body: ReviewRequest | None = None
) -> ContentItem:
    return _review(services, principal, content_id, "approved", (body or ReviewRequest()).note)


@router.post("/{content_id}/reject", response_model=ContentItem, summary="Reject a draft")
def reject_content(
    content_id: ContentId, services: ServicesDep, principal: PrincipalDep, body: ReviewRequest | None = None
) -> ContentItem:
    return _review(services, principal, content_id, "rejected", (body or ReviewRequest()).note)
