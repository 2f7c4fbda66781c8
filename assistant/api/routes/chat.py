"""Chat: one agent turn streamed as server-sent events, and the merchant's conversation history."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, field_validator

from assistant.agent.actions import ActionName
from assistant.agent.conversations import (
    ConversationForbidden,
    ConversationNotFound,
    get_conversation,
    list_conversations,
    open_conversation,
)
from assistant.api.deps import PrincipalDep, ServicesDep, require_existing, require_merchant
from assistant.api.errors import ERROR_RESPONSES, ApiError, forbidden
from assistant.api.services import Services
from assistant.api.sse import SSE_HEADERS, stream_events
from assistant.api.text import StoredText
from assistant.keys import Principal
from core.tables import BIGINT_MAX

router = APIRouter(prefix="/v1", tags=["chat"], responses=ERROR_RESPONSES)

SSE_DOC = """Server-sent events, in order:
`meta` {conversation_id, lang}; `action` {action, ...arguments}; zero or more structured results —
`restock_table` {as_of, model_version, items[{sku, title, quantity, unit_price, line_total, currency, stock,
available}], total (of the available lines), and where the message states a budget the list fits:
budget {amount, currency}, full_list_total, over_budget},
`product_cards` {items[{sku, title, price, currency, stock, active}]}, `sales_summary` {...},
`copy_variants` {content_id, variants, grounding, prompt_version, model}, `reply_draft` {content_id, text, needs_human};
then `token` {text, source?} chunks of the answer (`source: "data"` for text written by code; the model's words
arrive a sentence at a time, unsupported sentences held back); `grounding` {passed: false, problems} when the
model wrote a number that is not in the data (its sentence is not shown);
finally `done` {conversation_id, message_id} — or `error` {code, message, retryable} instead: code `llm_unavailable`
(retryable), `cannot_generate` (the shop's data cannot serve the request, e.g. no product to promote; not retryable),
`action_failed` or `internal`.

Follow-ups: a message that only asks to change the last answer ("now in Chinese", "make it shorter", "再写一版",
"中文的呢？") redoes the conversation's last action with the same products and channel, in the language or length
asked for, without the router."""


class ChatRequest(BaseModel):
    message: StoredText = Field(min_length=1, max_length=4000)
    conversation_id: StoredText | None = Field(default=None, max_length=40)
    lang: Literal["zh", "en"] | None = Field(
        default=None,
        description="the answer's language; default: the message's (a bare follow-up such as 'make it shorter' "
        "keeps the conversation's). The owner's own words win over it: 'in Chinese', '用英文'",
    )
    action: ActionName | None = Field(default=None, description="quick action: skip routing and run this action")
    merchant_id: StoredText | None = Field(default=None, description="admin keys only: the merchant to act for")

    @field_validator("message")
    @classmethod
    def _has_words(cls, message: str) -> str:
        if not message.strip():
            raise ValueError("the message is only spaces")
        return message


def _chat_merchant(services: Services, principal: Principal, merchant_id: str | None) -> str:
    if principal.role == "marketing":
        raise forbidden("chat needs a merchant (or admin) key")
    merchant = require_merchant(principal, merchant_id)
    # a merchant key's own merchant exists; an admin's pick may be a typo
    return require_existing(services, merchant) if principal.role == "admin" else merchant


@router.post(
    "/chat",
    summary="One chat turn, streamed (text/event-stream)",
    description=SSE_DOC,
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "the event stream"}},
)
def chat(body: ChatRequest, services: ServicesDep, principal: PrincipalDep) -> StreamingResponse:
    started = time.perf_counter()
    merchant = _chat_merchant(services, principal, body.merchant_id)
    try:
        conversation = open_conversation(services.store, merchant, body.conversation_id, title=body.message[:80])
    except ConversationForbidden as exc:
        raise forbidden("that conversation belongs to another merchant") from exc
    except ConversationNotFound as exc:
        raise ApiError(404, f"conversation {body.conversation_id!r} not found") from exc
    events = services.agent().turn(merchant, conversation, body.message, lang=body.lang, action_hint=body.action)
    return StreamingResponse(
        stream_events(events, services.metrics, started), media_type="text/event-stream", headers=SSE_HEADERS
    )


class ConversationList(BaseModel):
    items: list[dict[str, Any]]


@router.get("/conversations", response_model=ConversationList, summary="The merchant's conversations")
def conversations(
    services: ServicesDep,
    principal: PrincipalDep,
    merchant_id: Annotated[str | None, Query(description="admin keys: whose conversations")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=BIGINT_MAX)] = 0,
) -> ConversationList:
    merchant = _chat_merchant(services, principal, merchant_id)
    return ConversationList(items=list_conversations(services.store, merchant, limit, offset))


@router.get("/conversations/{conversation_id}", summary="One conversation with its messages")
def conversation(conversation_id: str, services: ServicesDep, principal: PrincipalDep) -> dict[str, Any]:
    if principal.role == "marketing":
        raise forbidden("chat history needs a merchant (or admin) key")
    try:
        data = get_conversation(services.store, conversation_id)
    except ConversationNotFound as exc:
        raise ApiError(404, f"conversation {conversation_id!r} not found") from exc
    if principal.role == "merchant" and data["merchant_id"] != principal.merchant_id:
        raise forbidden("that conversation belongs to another merchant")
    return data
