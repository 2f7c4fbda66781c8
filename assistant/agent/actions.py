"""The actions the router may pick, the JSON schema that constrains its output, and the parsed form.

There is deliberately no merchant field anywhere: the merchant always comes from the API key.
"""

from __future__ import annotations

import json
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field, ValidationError

from assistant.generators.copy import CHANNELS as COPY_CHANNELS

ActionName = Literal[
    "search_catalog",
    "restock_list",
    "product_details",
    "sales_summary",
    "draft_copy",
    "draft_reply",
    "answer",
]
ACTIONS: tuple[str, ...] = get_args(ActionName)
# The copy generator's channels: the router listed weibo, instagram and facebook too, which the generator refused.
CHANNELS: tuple[str, ...] = tuple(COPY_CHANNELS)

ROUTER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "action": {"type": "string", "enum": list(ACTIONS)},
        "query": {"type": "string", "maxLength": 200},
        "sku": {"type": "string", "maxLength": 64},
        "skus": {"type": "array", "items": {"type": "string", "maxLength": 64}, "maxItems": 5},
        "customer_message": {"type": "string", "maxLength": 2000},
        "channel": {"type": "string", "enum": list(CHANNELS)},
        "max_price": {"type": "number", "minimum": 0},
        "days": {"type": "integer", "minimum": 1, "maximum": 3650},
    },
    "required": ["action"],
    "additionalProperties": False,
}


class AgentAction(BaseModel):
    action: ActionName
    query: str = Field(default="", max_length=200)
    sku: str = Field(default="", max_length=64)
    skus: list[str] = Field(default_factory=list, max_length=5)
    customer_message: str = Field(default="", max_length=2000)
    channel: str = "wechat_moments"
    max_price: float | None = Field(default=None, ge=0)
    days: int | None = Field(default=None, ge=1, le=3650)
    # set by code only (a "make it shorter" follow-up), never by the router: not in ROUTER_SCHEMA
    max_chars: int | None = Field(default=None, ge=20, le=2000)


class RouterOutputError(ValueError):
    """The router's output is not a valid action."""


def parse_action(text: str) -> AgentAction:
    """Parse the router's JSON; extra keys (e.g. a smuggled merchant_id) are dropped, never used."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RouterOutputError(f"router output is not JSON: {text[:120]!r}") from exc
    if not isinstance(data, dict):
        raise RouterOutputError("router output is not a JSON object")
    known = {k: v for k, v in data.items() if k in ROUTER_SCHEMA["properties"]}
    if known.get("channel") not in CHANNELS:
        known.pop("channel", None)
    try:
        return AgentAction.model_validate(known)
    except ValidationError as exc:
        raise RouterOutputError(f"router output does not match the schema: {exc.errors()[0]['msg']}") from exc
