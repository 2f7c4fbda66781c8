"""Run one routed action with the caller's own data. The merchant id comes from the ToolContext (the API key),
never from the action. Each result carries typed events for the client, the facts the answer may use, and a
code-rendered text used when the model cannot answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from assistant.agent.actions import AgentAction
from assistant.agent.budget import Budget, Fitted, budget_in, fit
from assistant.agent.ports import Generators, draft_dict, grounding_of
from assistant.agent.sales import product_details, sales_summary
from assistant.generators.copy import CHANNELS as COPY_CHANNELS
from assistant.generators.occasions import occasion_in
from assistant.generators.relevance import gated_search, relevant
from core.db import Store
from core.domain import CatalogSearch, RestockItem, RestockSource
from core.tables import Product


@dataclass
class ToolContext:
    store: Store
    restock: RestockSource
    search: CatalogSearch
    generators: Generators
    merchant_id: str
    lang: str = "en"
    message: str = ""  # the owner's own words, searched when the router's product words find nothing


@dataclass
class ToolResult:
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    grounding_failed: bool = False


# Platforms owners name that the copy generator has no channel for: the router can only pick one of its channels, so
# "write an instagram post" got a WeChat Moments post and a text that did not say why.
OTHER_PLATFORMS = {
    "instagram": ("Instagram", "Instagram"),
    "facebook": ("Facebook", "Facebook"),
    "tiktok": ("TikTok", "TikTok"),
    "抖音": ("Douyin", "抖音"),
    "weibo": ("Weibo", "微博"),
    "微博": ("Weibo", "微博"),
    "twitter": ("Twitter", "Twitter"),
    "whatsapp": ("WhatsApp", "WhatsApp"),
}
_OTHER_PLATFORM = re.compile("|".join(OTHER_PLATFORMS), re.IGNORECASE)


def _t(lang: str, en: str, zh: str) -> str:
    return zh if lang == "zh" else en


def _money(value: Decimal | float | None) -> str | None:
    return None if value is None else f"{Decimal(str(value)).quantize(Decimal('0.01'))}"


RESTOCK_LINES = 10
BUDGET_CANDIDATES = 40  # lines the budget may choose from: the next ones fill the room the costly ones leave


def _line_total(item: RestockItem) -> Decimal | None:
    return item.unit_price * item.quantity if item.unit_price is not None else None


def _orderable_total(items: list[RestockItem]) -> Decimal:
    """What the lines cost: an unavailable line (a stored list S has since stopped selling) cannot be ordered."""
    return sum((line for item in items if item.available and (line := _line_total(item)) is not None), Decimal(0))


def _restock_row(item: RestockItem) -> dict[str, Any]:
    return {
        "sku": item.sku,
        "title": item.title,
        "quantity": item.quantity,
        "unit_price": _money(item.unit_price),
        "line_total": _money(_line_total(item)),
        "currency": item.currency,
        "stock": item.stock,
        "available": item.available,
        "reason": item.reason.get("kind"),
    }


def _items(n: int) -> str:
    return "1 item" if n == 1 else f"{n} items"


def _restock_text(
    lang: str, full: list[RestockItem], full_total: Decimal, budget: Budget | None, within: Fitted | None
) -> str:
    """The code-written lead: the list's size and total, and what a budget the owner named made of it."""
    if not full:
        return _t(lang, "There is nothing to restock right now.", "目前没有需要补货的商品。")
    cur, n, total = full[0].currency, len(full), _money(full_total)
    en = f"Your restock list has {_items(n)}, {total} {cur} in total."
    listed = _t(lang, en, f"您的补货单共 {n} 个商品，合计 {total} {cur}。")
    if budget is None:
        return listed
    amount = _money(budget.amount)
    if budget.currency not in ("", cur):
        return _t(
            lang,
            f"Your budget is in {budget.currency}, but S's prices are in {cur} and I have no exchange rate. " + listed,
            f"您的预算是 {budget.currency}，但批发价是 {cur}，我没有汇率，无法换算。" + listed,
        )
    if within is None:
        return _t(
            lang,
            f"No line of your restock list fits within {amount} {cur}. " + listed,
            f"补货单里没有一行能放进 {amount} {cur} 的预算。" + listed,
        )
    if [item.sku for item in within.items] == [item.sku for item in full]:
        all_fit = _t(lang, f"All of it fits your budget of {amount} {cur}. ", f"全部在 {amount} {cur} 的预算以内。")
        return all_fit + listed
    shown, whole = len(within.items), _money(within.total)
    return _t(
        lang,
        f"For your budget of {amount} {cur}: {_items(shown)}, {whole} {cur} in total "
        f"(your full list: {_items(n)}, {total} {cur}).",
        f"按 {amount} {cur} 的预算：{shown} 个商品，合计 {whole} {cur}（完整补货单 {n} 个商品，合计 {total} {cur}）。",
    )


def _fitted(restock: list[RestockItem], currency: str, budget: Budget | None) -> Fitted | None:
    """The lines that fit a budget in the data's currency, or None (no budget, another currency, nothing fits)."""
    if budget is None or budget.currency not in ("", currency):
        return None
    within = fit(restock, budget.amount, limit=RESTOCK_LINES)
    return within if within.items else None


def restock_list(ctx: ToolContext, action: AgentAction) -> ToolResult:
    """The merchant's restock list; fitted to the budget the owner's message states (assistant.agent.budget)."""
    budget = budget_in(ctx.message)
    restock = ctx.restock.restock_for(ctx.merchant_id, k=BUDGET_CANDIDATES if budget else RESTOCK_LINES)
    full = restock.items[:RESTOCK_LINES]
    currency = full[0].currency if full else "GBP"
    full_total = _orderable_total(full)
    within = _fitted(restock.items, currency, budget)
    shown, total = (within.items, within.total) if within else (full, full_total)
    rows = [_restock_row(item) for item in shown]
    table: dict[str, Any] = {"as_of": restock.as_of.isoformat(), "model_version": restock.model_version}
    table |= {"items": rows, "total": _money(total)}
    facts: dict[str, Any] = {"items": len(rows), "total": table["total"], "currency": currency}
    if within:
        budget_row = {"amount": _money(within.budget), "currency": currency}
        table |= {"budget": budget_row, "full_list_total": _money(full_total), "over_budget": within.over_budget}
        facts |= {"budget": budget_row["amount"], "full_list_items": len(full)}
        facts["full_list_total"] = table["full_list_total"]
    fields = ("sku", "title", "quantity", "unit_price", "stock")
    facts["first_items"] = [{f: r[f] for f in fields if r[f] is not None} for r in rows[:3]]
    orderable = [row for row in rows if row["available"]]
    if orderable:  # the answer prompt asks for the largest quantity: code says which it is
        largest = max(orderable, key=lambda row: row["quantity"])
        facts["largest_quantity"] = {"title": largest["title"], "quantity": largest["quantity"]}
    text = _restock_text(ctx.lang, full, full_total, budget, within)
    return ToolResult(events=[("restock_table", table)], facts=facts, text=text)


def _card(hit: Any) -> dict[str, Any]:
    return {
        "sku": hit.sku,
        "title": hit.title,
        "price": _money(hit.price),
        "currency": "GBP",
        "stock": hit.stock,
        "active": hit.active,
        "category": hit.category,
    }


def drafts_of(count: int, what: str) -> str:
    """ "3 variants of a WeChat Moments post", "1 variant of an SMS text message" (SMS is said "ess-em-ess")."""
    article = "an" if re.match(r"(?!one\b)[aeiou]|SMS\b", what, re.IGNORECASE) else "a"
    return f"{count} variant{'' if count == 1 else 's'} of {article} {what}"


def search_catalog(ctx: ToolContext, action: AgentAction) -> ToolResult:
    query = action.query.strip()
    if not query:
        return ToolResult(text=_t(ctx.lang, "What product are you looking for?", "您想找什么商品？"))
    max_price = action.max_price or None  # the router writes 0 for "no limit" (a real turn found nothing)
    hits = ctx.search.search(query, k=6, max_price=max_price, merchant_id=ctx.merchant_id)
    cards = [_card(hit) for hit in hits]
    text = _t(
        ctx.lang,
        f"I found {len(cards)} product{'' if len(cards) == 1 else 's'} for “{query}”.",
        f"为“{query}”找到 {len(cards)} 个商品。",
    )
    if not cards:
        text = _t(ctx.lang, f"I found no products for “{query}”.", f"没有找到与“{query}”相关的商品。")
    # no stock key when S publishes none: "stock": null was read as "库存为空" (out of stock)
    # with its currency: without it the model priced 9 lines of 3 search turns in "$" in one eval run (all dropped)
    fields = ("sku", "title", "price", "currency", "stock")
    top = [{k: card[k] for k in fields if card[k] is not None} for card in cards[:3]]
    facts = {"query": query, "found": len(cards), "best_matches": top}
    return ToolResult(events=[("product_cards", {"query": query, "items": cards})], facts=facts, text=text)


def _catalog_sku(ctx: ToolContext, named: str) -> str | None:
    """The catalog SKU the owner means by `named`: the code itself, or the best search hit that really matches
    the words (the reply generator's relevance gate); None when the catalog has nothing like it."""
    code = named.strip().upper()
    if not code:
        return None
    with ctx.store.session() as session:
        if session.get(Product, code) is not None:
            return code
    hits = ctx.search.search(named, k=3, merchant_id=ctx.merchant_id)
    return next((hit.sku for hit in hits if relevant(hit)), None)


def product_info(ctx: ToolContext, action: AgentAction) -> ToolResult:
    named = action.sku or (action.skus[0] if action.skus else "") or action.query
    sku = _catalog_sku(ctx, named)
    if sku is None and action.query and action.query != named:
        sku = _catalog_sku(ctx, action.query)
    if sku is None and ctx.message:  # the router wrote {"sku": "123456"} for "纸链套装多少钱一个？"
        hits = gated_search(ctx.search, ctx.message, k=3, merchant_id=ctx.merchant_id)
        sku = hits[0].sku if hits else None
    details = product_details(ctx.store, ctx.merchant_id, sku) if sku else None
    if details is None:
        return ToolResult(text=_t(ctx.lang, "I could not find that product.", "没有找到这个商品。"))
    card = {k: details[k] for k in ("sku", "title", "price", "currency", "stock", "active", "category")}
    supply = availability(ctx.lang, details["stock"], bool(details["active"]))
    text = _t(
        ctx.lang,
        f"{details['title']} ({details['sku']}): {details['price']} {details['currency']} wholesale; {supply}; "
        f"you ordered it {details['your_orders']} time{'' if details['your_orders'] == 1 else 's'}.",
        f"{details['title']}（{details['sku']}）：批发价 {details['price']} {details['currency']}；{supply}；"
        f"您订过 {details['your_orders']} 次。",
    )
    facts = {k: v for k, v in details.items() if v is not None}  # unknown is not zero (stock, category)
    return ToolResult(events=[("product_cards", {"items": [card], "details": details})], facts=facts, text=text)


def availability(lang: str, stock: int | None, active: bool) -> str:
    """Whether S can supply the product, from its data: "兔子夜灯多少钱？有货吗？" got the price and nothing on stock.
    No stock figure (the demo catalog publishes none) is not zero: an active product is said to be on sale."""
    if not active:
        return _t(lang, "S no longer sells it", "批发商已停售")
    if stock is None:
        return _t(lang, "on sale at S (no stock figure published)", "批发商在售（未公布库存数量）")
    if stock <= 0:
        return _t(lang, "out of stock at S", "批发商暂时缺货")
    return _t(lang, f"{stock} in stock at S", f"批发商库存 {stock}")


def sales_text(lang: str, summary: dict[str, Any]) -> str:
    """The period's figures and its three most-ordered products by units, all from the data: a real "what did I
    order most last month?" turn showed the totals and the model added nothing."""
    if not summary["invoices"]:
        return _t(lang, "There are no orders from your shop in that period.", "这段时间您的店铺没有订单。")
    currency = summary.get("currency", "GBP")
    text = _t(
        lang,
        f"From {summary['from']} to {summary['to']}: {summary['invoices']} orders, {summary['units']} units, "
        f"{summary['spend']} {currency} spent.",
        f"{summary['from']} 至 {summary['to']}：{summary['invoices']} 笔订单，{summary['units']} 件，"
        f"共 {summary['spend']} {currency}。",
    )
    top = summary.get("top_products", [])[:3]
    if not top:
        return text
    if lang == "zh":
        return text + "件数最多：" + "、".join(f"{p['title']}（{p['units']} 件）" for p in top) + "。"
    return text + " Most units: " + ", ".join(f"{p['title']} ({p['units']})" for p in top) + "."


def sales(ctx: ToolContext, action: AgentAction) -> ToolResult:
    summary = sales_summary(ctx.store, ctx.merchant_id, action.days)
    return ToolResult(events=[("sales_summary", summary)], facts=summary, text=sales_text(ctx.lang, summary))


def draft_copy(ctx: ToolContext, action: AgentAction) -> ToolResult:
    named = action.skus or ([action.sku] if action.sku else []) or ([action.query] if action.query.strip() else [])
    found = {name: _catalog_sku(ctx, name) for name in named}  # the router puts product names here too ("圣诞蜡烛")
    missing = [name for name, sku in found.items() if sku is None]
    occasion = occasion_in(ctx.message)  # "写一条母亲节的朋友圈文案": the copy is for Mother's Day
    if missing and occasion:  # the generator picks the occasion's products
        found, missing = {}, []
    if missing:
        names = "、".join(missing) if ctx.lang == "zh" else ", ".join(missing)
        return ToolResult(
            text=_t(
                ctx.lang,
                f"I could not find {names} in the catalog. Which product should the copy promote? "
                "Give me its name or code.",
                f"目录里没有找到{names}。文案要推广哪个商品？请告诉我商品名称或编号。",
            ),
            facts={"not_in_catalog": missing},
        )
    skus = list(dict.fromkeys(sku for sku in found.values() if sku)) or None
    draft = ctx.generators.copy(
        ctx.merchant_id, skus=skus, channel=action.channel, lang=ctx.lang, max_chars=action.max_chars, theme=occasion
    )
    content_id = ctx.generators.save(ctx.merchant_id, "copy", draft, channel=action.channel)
    data = draft_dict(draft)
    grounding = grounding_of(draft)
    event: dict[str, Any] = {
        "content_id": content_id,
        "channel": action.channel,
        "variants": data.get("variants") or [data.get("text", "")],
        "grounding": grounding,
        "flagged": bool(data.get("flagged", False)),
        "prompt_version": data.get("prompt_version"),
        "model": data.get("model"),
    }
    count = len(event["variants"])
    spec = COPY_CHANNELS.get(action.channel, {})
    text = _platform_note(ctx) + _t(
        ctx.lang,
        f"I drafted {drafts_of(count, spec.get('hint_en', action.channel))} (saved as draft {content_id}).",
        f"已写好 {count} 条{spec.get('hint_zh', action.channel)}（已保存为草稿 {content_id}）。",
    )
    if event["flagged"]:  # every variant failed its checks twice: shown for editing, never as ready to send
        text += _failed_checks_note(ctx.lang, grounding)
    facts = {"variants": count, "channel": action.channel, "content_id": content_id, "grounding": grounding}
    return ToolResult(
        events=[("copy_variants", event)], facts=facts, text=text, grounding_failed=not grounding["passed"]
    )


def _failed_checks_note(lang: str, grounding: dict[str, Any]) -> str:
    """What a flagged copy draft got wrong, for the owner: a real Halloween email claimed colours and sizes no
    product data holds, and the chat had said only "I drafted 3 variants"."""
    said = (str(p).split(": ", 1)[-1].removesuffix("; leave it out") for p in grounding.get("problems", []))
    problems = "; ".join(list(dict.fromkeys(said))[:2])  # "variant 2: the product's 'outdoor' ..." once
    return _t(
        lang,
        f" They did not pass the checks ({problems}): edit them before use, or ask me for another version.",
        f"这些文案没有通过核查（{problems}）：请修改后再用，或让我重写一版。",
    )


def _platform_note(ctx: ToolContext) -> str:
    """Say so when the owner asked for a platform the generator does not write for."""
    found = _OTHER_PLATFORM.search(ctx.message)
    if not found:
        return ""
    en, zh = OTHER_PLATFORMS[found.group(0).lower()]
    channels_en = ", ".join(str(spec["name_en"]) for spec in COPY_CHANNELS.values())
    channels_zh = "、".join(str(spec["name_zh"]) for spec in COPY_CHANNELS.values())
    return _t(
        ctx.lang,
        f"I do not write for {en} yet (I write: {channels_en}). ",
        f"暂不支持{zh}（可写：{channels_zh}）。",
    )


def draft_reply(ctx: ToolContext, action: AgentAction) -> ToolResult:
    message = action.customer_message.strip() or action.query.strip()
    if not message:
        return ToolResult(
            text=_t(
                ctx.lang, "Paste the customer's message and I will draft a reply.", "请粘贴顾客的消息，我来起草回复。"
            )
        )
    draft = ctx.generators.reply(ctx.merchant_id, message, lang=ctx.lang)
    content_id = ctx.generators.save(ctx.merchant_id, "reply", draft)
    data = draft_dict(draft)
    grounding = grounding_of(draft)
    event = {
        "content_id": content_id,
        "text": data.get("text", ""),
        "needs_human": bool(data.get("needs_human", False)),
        "grounding": grounding,
        "prompt_version": data.get("prompt_version"),
        "model": data.get("model"),
    }
    text = _t(ctx.lang, "Here is a draft reply to your customer.", "这是给顾客的回复草稿。")
    if event["needs_human"]:
        text += _t(ctx.lang, " Please check it yourself before sending.", "发送前请您亲自确认。")
    facts = {"content_id": content_id, "needs_human": event["needs_human"], "grounding": grounding}
    failed = not grounding["passed"]
    return ToolResult(events=[("reply_draft", event)], facts=facts, text=text, grounding_failed=failed)


TOOLS = {
    "restock_list": restock_list,
    "search_catalog": search_catalog,
    "product_details": product_info,
    "sales_summary": sales,
    "draft_copy": draft_copy,
    "draft_reply": draft_reply,
}


def run_action(ctx: ToolContext, action: AgentAction) -> ToolResult:
    tool = TOOLS.get(action.action)
    if tool is None:
        return ToolResult()
    return tool(ctx, action)
