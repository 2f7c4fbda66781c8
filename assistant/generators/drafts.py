"""The pydantic models the generators return. Every number in them comes from the store, never from the LLM."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, computed_field

from assistant.grounding import Grounding


class DraftMeta(BaseModel):
    language: str
    grounding: Grounding
    flagged: bool = Field(description="True when the text failed grounding after one regeneration")
    attempts: int = 1
    prompt_id: str
    prompt_version: str
    model: str
    latency_s: float
    first_token_s: float | None = None
    llm_seconds: list[float] = Field(default_factory=list)
    json_retries: int = Field(0, description="Model replies that were not valid JSON and were asked for again")
    repairs: list[str] = Field(default_factory=list, description="What the generator removed from the model's words")


class RestockLine(BaseModel):
    sku: str
    title: str
    quantity: int
    unit_price: Decimal | None = Field(None, description="S's wholesale unit price")
    line_total: Decimal | None = None
    currency: str = "GBP"
    expected_reorder_date: date | None = None
    reason_kind: str = ""
    reason: str = Field(default="", description="The model's one-line reason (checked)")
    reason_data: dict[str, Any] = Field(default_factory=dict)


class RestockDraft(DraftMeta):
    merchant_id: str
    as_of: date | None = None
    model_version: str = ""
    summary: str = ""
    items: list[RestockLine]
    total: Decimal
    currency: str = "GBP"
    text: str


class ProductOffer(BaseModel):
    sku: str
    title: str
    retail_price: Decimal | None = Field(None, description="The merchant's consumer price")
    currency: str = "GBP"
    price_source: str = ""
    available: bool = True


class CopyVariant(BaseModel):
    text: str
    prose: str
    chars: int
    grounding: Grounding


class CopyDraft(DraftMeta):
    merchant_id: str
    channel: str
    tone: str
    max_chars: int
    theme: str | None = None  # the occasion the copy was written for ("Mother's Day", "双11")
    items: list[ProductOffer]
    variants: list[CopyVariant]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def text(self) -> str:
        return self.variants[0].text if self.variants else ""


class ReplyDraft(DraftMeta):
    merchant_id: str
    message: str
    order_id: str | None = None
    topic: str = "other"
    items: list[ProductOffer] = Field(default_factory=list)
    needs_human: bool = False
    needs_human_reasons: list[str] = Field(default_factory=list)
    text: str
