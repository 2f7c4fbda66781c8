"""The chat agent: one turn = guard -> route (schema-constrained JSON) -> run the action on the caller's own data
-> stream the answer from the result. Yields typed events; the HTTP layer turns them into server-sent events.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from assistant.agent.actions import (
    ROUTER_SCHEMA,
    AgentAction,
    RouterOutputError,
    as_product_question,
    as_product_search,
    as_sales_question,
    parse_action,
    with_customer_question,
    with_named_channel,
    without_unnamed_products,
)
from assistant.agent.claims import ClaimFilter, ranked_first
from assistant.agent.conversations import add_message, history, last_answer
from assistant.agent.guard import REFUSALS, asks_for_other_merchant, numbers_in, until_loop
from assistant.agent.ports import Generators
from assistant.agent.prompt_files import load_prompt
from assistant.agent.revisions import Revision, revised_action, revision_of
from assistant.agent.sales import known_merchants, merchant_profile
from assistant.agent.tools import ToolContext, ToolResult, run_action
from assistant.generators.common import GenerationError, catalog_index
from assistant.llm.base import ChatModel, LLMError
from core.db import Store
from core.domain import CatalogSearch, RestockSource

log = logging.getLogger(__name__)
Event = tuple[str, dict[str, Any]]
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ID_TOKEN = re.compile(r"(?<![A-Za-z0-9])\d{4,8}(?![A-Za-z0-9])")
LLM_DOWN = {
    "en": "The assistant's language model is not answering right now. Please try again in a moment.",
    "zh": "助手的语言模型暂时没有响应，请稍后重试。",
}
# No model words after these. The drafts (grounding-checked, saved for review) are the answer: the model's words
# beside them were a second, unchecked draft ("Sure! Here's a draft Instagram post ... #petgifts #petgifts ...") and
# 5-15 s more. A product's card and data line hold all S knows of it (title, price, stock, the shop's own orders):
# the model's words beside them described sizes, materials, "handcrafted" and "out of stock" in 3 of 5 eval turns
# (s2b eval chat). The same holds for any data action that found nothing.
QUIET_ACTIONS = ("draft_copy", "draft_reply", "product_details")
CANNOT_GENERATE = {"en": "I cannot do that with the shop's data: {reason}", "zh": "无法用本店的数据完成：{reason}"}


@dataclass
class ChatAgent:
    store: Store
    restock: RestockSource
    search: CatalogSearch
    llm: ChatModel
    generators: Generators
    on_grounding_failure: Callable[[str], None] | None = None
    answer_max_words: int = 80

    def turn(
        self,
        merchant_id: str,
        conversation_id: str,
        message: str,
        *,
        lang: str | None = None,
        action_hint: str | None = None,
    ) -> Iterator[Event]:
        previous = last_answer(self.store, conversation_id)
        revision = revision_of(message)
        lang = self._language(merchant_id, message, lang, revision, previous)
        yield "meta", {"conversation_id": conversation_id, "lang": lang}
        past = history(self.store, conversation_id, limit=4)
        add_message(self.store, conversation_id, "user", message, {"action_hint": action_hint} if action_hint else {})
        refusal = self._cross_merchant(message, merchant_id)
        if refusal:
            yield from self._finish_refusal(conversation_id, lang, refusal)
            return
        try:
            action, route_note = self._route(message, past, action_hint, revision, previous)
        except LLMError as exc:
            yield "error", _llm_error(lang, exc)
            return
        action = with_named_channel(action, message)
        yield "action", action.model_dump(exclude_defaults=True) | {"action": action.action}
        ctx = ToolContext(self.store, self.restock, self.search, self.generators, merchant_id, lang, message)
        try:
            result = run_action(ctx, action)
        except GenerationError as exc:  # the request, not the model: say why, and that retrying will not help
            yield "error", _cannot_generate(lang, exc)
            return
        except LLMError as exc:
            yield "error", _llm_error(lang, exc)
            return
        except Exception as exc:
            log.exception("chat action %s failed", action.action)
            yield "error", {"code": "action_failed", "message": f"{action.action} failed: {exc}", "retryable": True}
            return
        if result.grounding_failed and self.on_grounding_failure:
            self.on_grounding_failure(action.action)
        yield from result.events
        yield from self._answer(conversation_id, message, past, action, result, lang, route_note)

    def _language(
        self,
        merchant_id: str,
        message: str,
        lang: str | None,
        revision: Revision | None = None,
        previous: dict[str, Any] | None = None,
    ) -> str:
        """The owner's own words first ("now in Chinese"), then the request's `lang`; a bare follow-up ("make it
        shorter") keeps the previous turn's language; then the message's script, then the merchant's profile."""
        if revision and revision.lang:
            return revision.lang
        if lang in ("en", "zh"):
            return lang
        if revision and revision.pure and previous and previous.get("lang") in ("en", "zh"):
            return str(previous["lang"])
        if _CJK.search(message):
            return "zh"
        profile = merchant_profile(self.store, merchant_id)
        return "zh" if profile and profile.get("language") == "zh" else "en"

    def _cross_merchant(self, message: str, merchant_id: str) -> str | None:
        reason = asks_for_other_merchant(message, merchant_id)
        if reason:
            return reason
        others = known_merchants(self.store, set(_ID_TOKEN.findall(message)) - {merchant_id})
        return f"mentions merchant {sorted(others)[0]!r}" if others else None

    def _finish_refusal(self, conversation_id: str, lang: str, reason: str) -> Iterator[Event]:
        text = REFUSALS[lang]
        yield "action", {"action": "refuse", "reason": "another merchant's data"}
        yield "token", {"text": text, "source": "data"}
        message_id = add_message(self.store, conversation_id, "assistant", text, {"action": "refuse", "reason": reason})
        yield "done", {"conversation_id": conversation_id, "message_id": message_id}

    @staticmethod
    def _prompt_lang(message: str) -> str:
        return "zh" if _CJK.search(message) else "en"

    def _route(
        self,
        message: str,
        past: list[tuple[str, str]],
        hint: str | None,
        revision: Revision | None = None,
        previous: dict[str, Any] | None = None,
    ) -> tuple[AgentAction, str]:
        redo = revised_action(revision, previous) if revision and not hint else None
        if redo is not None:
            return redo, f"follow-up of {redo.action}"
        if hint:
            fields: dict[str, Any] = {"action": hint}
            if hint == "search_catalog":
                fields["query"] = message
            if hint == "draft_reply":
                fields["customer_message"] = message
            return AgentAction.model_validate(fields), "quick action"
        prompt = load_prompt("router")
        messages = prompt.render(self._prompt_lang(message), history=_history_text(past), message=message)
        completion = self.llm.complete(messages, json_schema=ROUTER_SCHEMA, max_tokens=120, temperature=0.0)
        try:
            action = parse_action(completion.text)
        except RouterOutputError as exc:
            log.warning("falling back to a plain answer: %s", exc)
            return AgentAction(action="answer"), f"router output rejected: {exc}"
        owner_words = "\n".join([*(text for role, text in past if role == "user"), message])  # not "draft 21"
        action = as_product_question(action, message)  # a product's price or stock is not the shop's sales
        action = as_sales_question(action, message)  # nor is a ranking of the shop's own orders a product's details
        action = without_unnamed_products(as_product_search(action, message), owner_words, message)
        action = with_customer_question(action, message, owner_words)
        return action, f"router {prompt.version}"

    def _answer(
        self,
        conversation_id: str,
        message: str,
        past: list[tuple[str, str]],
        action: AgentAction,
        result: ToolResult,
        lang: str,
        route_note: str,
    ) -> Iterator[Event]:
        parts: list[str] = []
        if result.text:
            lead = result.text + " "
            parts.append(lead)
            yield "token", {"text": lead, "source": "data"}
        payload: dict[str, Any] = {
            "action": action.model_dump(exclude_defaults=True) | {"action": action.action},
            "route": route_note,
            "lang": lang,
            "events": [{"event": name, "data": data} for name, data in result.events],
        }
        if action.action in QUIET_ACTIONS or (action.action != "answer" and not result.events):
            # beside checked drafts, or when the data found nothing, the model has nothing true to add: a turn
            # that found no product answered "纸链套装的价格是 25 元"
            payload["grounding"] = {"passed": True, "problems": []}
        else:
            try:
                yield from self._commentary(message, past, result, lang, parts, payload)
            except LLMError as exc:
                yield "error", _llm_error(lang, exc)
                return
        message_id = add_message(self.store, conversation_id, "assistant", "".join(parts).strip(), payload)
        yield "done", {"conversation_id": conversation_id, "message_id": message_id}

    def _commentary(
        self,
        message: str,
        past: list[tuple[str, str]],
        result: ToolResult,
        lang: str,
        parts: list[str],
        payload: dict[str, Any],
    ) -> Iterator[Event]:
        """The model's words on the turn's data, streamed a sentence at a time through the loop stop and the claim
        filter (numbers, stock, demand, currency, product attributes that the data does not hold)."""
        facts = dict(result.facts)
        if result.text:
            facts["already_told_the_owner"] = result.text
        prompt = load_prompt("answer")
        messages = prompt.render(
            lang,
            facts=json.dumps(facts, ensure_ascii=False, default=str)[:3000] if facts else "(none)",
            history=_history_text(past),
            message=message,
            max_words=self.answer_max_words,
        )
        shown = [data for _, data in result.events]  # what the owner sees beside the text may be referred to
        allowed = numbers_in([result.facts, shown, result.text, message])
        # the data, not the question: "does it come in other colours?" must not let "it comes in different colors" by
        known = json.dumps([result.facts, shown, result.text], ensure_ascii=False, default=str).lower()
        data = [result.facts, shown]
        stock_known = any(stock is not None for stock in _field_values(data, "stock"))  # None: S publishes none
        currencies = frozenset(str(code).upper() for code in _field_values(data, "currency") if code)
        claims = ClaimFilter(
            known, stock_known, currencies, allowed_numbers=allowed, lang=lang, asked=message,
            catalog_titles=catalog_index(self.store)[1], ranked_titles=ranked_first(result.facts),
            found_data=bool(result.events),  # an "answer" turn has none: there the help list is the answer
        )  # fmt: skip
        claims.already_said(result.text)
        stops: list[str] = []
        words = until_loop(self.llm.stream(messages, max_tokens=220, temperature=0.3), stops)
        for piece in claims.run(words):
            parts.append(piece)
            yield "token", {"text": piece}
        problems = claims.number_problems
        grounding = {"passed": not problems, "problems": problems}
        if problems:
            if self.on_grounding_failure:
                self.on_grounding_failure("chat_answer")
            yield "grounding", grounding
        payload |= {"grounding": grounding, "prompt_id": prompt.id, "prompt_version": prompt.version}
        payload |= {"model": self.llm.model_name} | ({"stopped": stops} if stops else {})
        payload |= {"dropped": claims.dropped} if claims.dropped else {}


def _field_values(value: Any, key: str) -> Iterator[Any]:
    """Every value of the field `key` anywhere in the turn's data (dicts and lists, recursively)."""
    if isinstance(value, dict):
        if key in value:
            yield value[key]
        for item in value.values():
            yield from _field_values(item, key)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _field_values(item, key)


def _history_text(past: list[tuple[str, str]]) -> str:
    if not past:
        return "(none)"
    return "\n".join(f"{role}: {content[:300]}" for role, content in past)


def _llm_error(lang: str, exc: Exception) -> dict[str, Any]:
    log.warning("LLM failed during a chat turn: %s", exc)
    return {"code": "llm_unavailable", "message": LLM_DOWN.get(lang, LLM_DOWN["en"]), "retryable": True}


def _cannot_generate(lang: str, exc: Exception) -> dict[str, Any]:
    log.info("chat action refused by a generator: %s", exc)
    message = CANNOT_GENERATE.get(lang, CANNOT_GENERATE["en"]).format(reason=exc)
    return {"code": "cannot_generate", "message": message, "retryable": False}
