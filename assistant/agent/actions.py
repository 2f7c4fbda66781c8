"""The actions the router may pick, the JSON schema that constrains its output, and the parsed form.

There is deliberately no merchant field anywhere: the merchant always comes from the API key.
"""

from __future__ import annotations

import json
import re
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


# The copy channel the owner's words name. The router left `channel` out every time (s2b eval chat, 2026-11-23: an
# SMS, a Xiaohongshu note and an email were all drafted as WeChat Moments posts), and once set it to wechat_moments
# for "写一篇小红书笔记..." (the next run), so the words decide; the router's channel counts only where they name none.
_NAMED_CHANNELS = {
    "sms": re.compile(r"\bsms\b|\btext messages?\b|短信", re.IGNORECASE),
    "email": re.compile(r"\be-?mails?\b|邮件", re.IGNORECASE),
    "poster": re.compile(r"\bposters?\b|海报|标语", re.IGNORECASE),
    "xiaohongshu": re.compile(r"xiaohongshu|\bred notes?\b|小红书", re.IGNORECASE),
    "wechat_moments": re.compile(r"wechat|\bmoments\b|朋友圈|微信", re.IGNORECASE),
}


def named_channel(message: str) -> str | None:
    """The copy channel the message names, if exactly one."""
    named = [channel for channel, pattern in _NAMED_CHANNELS.items() if pattern.search(message)]
    return named[0] if len(named) == 1 else None


def with_named_channel(action: AgentAction, message: str) -> AgentAction:
    """A copy action takes the channel the owner's words name, over the router's choice."""
    if action.action != "draft_copy":
        return action
    named = named_channel(message)
    return action.model_copy(update={"channel": named}) if named else action


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
