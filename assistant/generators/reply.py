"""Draft a reply to a consumer's message: catalog search, availability and the merchant's retail prices.

The LLM picks which candidate products the consumer means, names the topic and writes a short reply with no
numbers; the facts (names, retail prices, availability) and any hand-over line are appended here from data.
Questions the data cannot answer (delivery, refunds, order status, anything unknown) set `needs_human`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from assistant.attributes import ATTRIBUTE_EN
from assistant.generators.common import (
    CallLog,
    call_json,
    catalog_index,
    clean_prose,
    cut_notes,
    display_title,
    drop_sentences,
    dropped_notes,
    echoed_instructions,
    grounded_attempts,
    merchant_language,
    money_text,
    speakable,
    trim_to_sentence,
)
from assistant.generators.copy import MAX_PRODUCTS
from assistant.generators.deps import GeneratorDeps
from assistant.generators.drafts import ProductOffer, ReplyDraft
from assistant.generators.questions import (
    asked_attribute,
    corrected_topic,
    human_reasons,
    strip_instructions,
    unanswerable,
)
from assistant.generators.relevance import gated_search
from assistant.generators.schema import prose_schema
from assistant.grounding import Facts, Grounding, check
from assistant.language import detect_language
from assistant.pricing import price_quotes
from core.tables import Order

PROMPT_ID = "reply"
CANDIDATES = 5
REPLY_CHARS = {"en": 240, "zh": 90}  # one or two sentences; bounds a looping reply (tokens: REPLY_TOKENS_NOTE)
_STOP = {"the", "and", "for", "with", "you", "your", "have", "has", "sell", "any", "can", "how", "much", "what",
         "does", "this", "that", "there", "some", "want", "need", "buy", "get", "one", "are",
         "our", "please", "hi", "hello", "still", "cost", "price", "stock", "available", "again",
         "last", "time", "was", "tell", "about", "also", "just", "like", "set", "pack"}  # fmt: skip
TOPICS = [
    "product",
    "price",
    "availability",
    "delivery",
    "refund_or_return",
    "order_status",
    "wholesale_price",
    "other",
]
# REPLY_TOKENS_NOTE: a reply's token cap leaves room for the longest allowed reply even at two tokens a character
# (gap-laden or looping text is close to one token a character): a reply cut at max_tokens is not JSON, and the
# embedded llama.cpp server then rejects it ("does not match the expected peg-native format"), the likely cause
# of one eval case losing both of its tries under the tighter English cap of chars / 2 (not confirmed).
JSON_FRAME_TOKENS = 60  # {"topic": ..., "products": [...], "reply": ""} and its whitespace
_WHOLESALE_WORDS = re.compile(
    r"wholesale|trade price|cost price|your cost|批发价|进价|成本价|拿货价|出厂价", re.IGNORECASE
)
LINES = {
    "en": {
        "thanks": "Thank you for your message.",
        "no_match": "(none: nothing in the shop matches this question)",
        "human": "I have passed this to the shop owner, who will get back to you personally.",
        "wholesale": "We can only share our shop prices.",
        "none": "Sorry, we could not find that item in our range.",
        "in": "available",
        "out": "currently out of stock",
    },
    "zh": {
        "thanks": "感谢您的咨询。",
        "no_match": "（无：店里没有符合这个问题的商品）",
        "human": "这个问题我已转给店主，店主会亲自回复您。",
        "wholesale": "我们只能提供店内零售价。",
        "none": "抱歉，我们店里暂时没有找到这款商品。",
        "in": "有货",
        "out": "暂时缺货",
    },
}


def _schema(n_candidates: int, lang: str = "en") -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "topic": {"type": "string", "enum": TOPICS},
            "products": {
                "type": "array",
                "items": {"type": "integer", "minimum": 1, "maximum": max(1, n_candidates)},
                "maxItems": MAX_PRODUCTS,
            },
            "reply": prose_schema(4, REPLY_CHARS[lang]),
        },
        "required": ["topic", "products", "reply"],
        "additionalProperties": False,
    }


def _candidates(
    deps: GeneratorDeps, merchant_id: str, message: str
) -> tuple[list[ProductOffer], set[Decimal], set[str]]:
    """The gated search hits as offers at the merchant's prices, their wholesale prices (never to be shown) and the
    SKUs whose product holds every catalog word of the message or of one of its sentences (`SearchHit.named`)."""
    hits = gated_search(deps.search, message, k=CANDIDATES, merchant_id=merchant_id)  # off-catalog -> none
    quotes = price_quotes(deps.store, deps.settings, merchant_id, [h.sku for h in hits])
    offers = []
    wholesale = set()
    for hit in hits:
        quote = quotes.get(hit.sku.upper())
        if quote is None:
            continue
        if quote.wholesale:
            wholesale.add(quote.wholesale)
        offers.append(
            ProductOffer(
                sku=quote.sku, title=quote.title, retail_price=quote.retail, currency=quote.currency,
                price_source=quote.source, available=quote.active and (quote.stock is None or quote.stock > 0),
            )
        )  # fmt: skip
    return offers, wholesale, {h.sku.upper() for h in hits if h.named}


def _order_note(deps: GeneratorDeps, merchant_id: str, order_id: str | None) -> str:
    if not order_id:
        return "none"
    with deps.store.session() as session:
        order = session.scalars(
            select(Order).where(Order.invoice_id == order_id, Order.merchant_id == merchant_id)
        ).first()
    return "order found, but the shop has no delivery or refund data for it" if order else "order not found"


def _fact_lines(lang: str, chosen: list[ProductOffer]) -> list[str]:
    words = LINES[lang]
    out = []
    for offer in chosen:
        price = money_text(offer.retail_price, offer.currency) if offer.retail_price is not None else ""
        state = words["in"] if offer.available else words["out"]
        out.append(
            f"{display_title(offer.title)}：{price}，{state}"
            if lang == "zh"
            else f"{display_title(offer.title)}: {price}, {state}"
        )
    return out


def generate_reply(
    deps: GeneratorDeps, merchant_id: str, message: str, *, order_id: str | None = None, lang: str | None = None
) -> ReplyDraft:
    """A grounded reply draft in the consumer's language; `needs_human` when the data cannot answer."""
    log = CallLog()
    merchant_language(deps.store, merchant_id)  # unknown merchant -> GenerationError
    lang = lang or detect_language(message)
    question, injected = strip_instructions(message)
    candidates, wholesale, named = _candidates(deps, merchant_id, question)
    asked = asked_attribute(question, (c.title for c in _asked_about(question, candidates)))
    prompt = deps.prompts.get(PROMPT_ID)
    listing = "\n".join(f"{n}. {speakable(o.title)}" for n, o in enumerate(candidates, 1)) or LINES[lang]["no_match"]
    values = {"message": question.replace("</message>", "")[:1000], "candidates": listing,
              "order": _order_note(deps, merchant_id, order_id)}  # fmt: skip
    catalog_skus, catalog_titles = catalog_index(deps.store)
    instructions = prompt.system(lang)  # what the model's words must not repeat to the customer
    state: dict[str, Any] = {}

    def attempt(problems: list[str]) -> tuple[str, Grounding]:
        data = call_json(
            deps, prompt, lang, values, _schema(len(candidates), lang), log, problems=problems,
            max_tokens=JSON_FRAME_TOKENS + 2 * REPLY_CHARS[lang],  # see REPLY_TOKENS_NOTE
        )  # fmt: skip
        topic = corrected_topic(str(data.get("topic", "other")), message, order_id)
        picked = [int(i) for i in data.get("products", []) if isinstance(i, int) and 1 <= i <= len(candidates)]
        chosen = [candidates[i - 1] for i in dict.fromkeys(picked) if _plausible(message, candidates[i - 1])]
        chosen, swapped = _with_namesakes(question, chosen[:MAX_PRODUCTS], candidates, named)
        wants_wholesale = topic == "wholesale_price" or bool(_WHOLESALE_WORDS.search(message))
        whole, cut = trim_to_sentence(str(data.get("reply", "")), REPLY_CHARS[lang])
        prose, dropped = clean_prose(whole)
        prose, talk = drop_sentences(prose, lambda s: prompt_talk(s, instructions) is not None)
        if wants_wholesale:  # the draft's own line answers that ("We can only share our shop prices.")
            prose, about_costs = drop_sentences(prose, lambda s: bool(_WHOLESALE_WORDS.search(s)))
            talk += about_costs
        prose = prose or LINES[lang]["thanks"]
        repairs = swapped + cut_notes(cut) + dropped_notes(dropped) + [_talk_note(s, instructions) for s in talk]
        if (unanswerable(message, topic) or asked) and prose != LINES[lang]["thanks"]:
            repairs.append(f"left out the model's words {prose!r}: the shop's data cannot answer this question")
            prose = LINES[lang]["thanks"]
        chosen += [c for c in _named_in(prose, candidates) if c not in chosen][: MAX_PRODUCTS - len(chosen)]
        if not picked and not chosen:
            # the model named no product although hits passed the relevance gate: show the best one (also under
            # a delivery or return question, so the shop owner sees which item it is about)
            chosen = _closest(message, candidates)
        if problems:  # the retry: what still contradicts the facts lines is left out (_without_contradictions)
            prose = _without_contradictions(prose, chosen, message, repairs) or LINES[lang]["thanks"]
        reasons = human_reasons(message, topic, order_id, matched=bool(chosen))
        if asked:
            reasons.append(f"message asks about {asked!r}, which the product data does not hold")
        if injected:
            reasons.append(f"message gives the assistant instructions (not shown to the model): {injected[0][:80]!r}")
        parts = [prose, *_fact_lines(lang, chosen)]
        if not chosen and topic in ("product", "price", "availability"):
            parts.append(LINES[lang]["none"])
        if wants_wholesale:
            parts.append(LINES[lang]["wholesale"])
        if reasons:
            parts.append(LINES[lang]["human"])
        text = "\n".join(p for p in parts if p)
        facts = Facts(
            audience="consumer", skus={c.sku for c in chosen},
            titles={c.title for c in chosen} | {display_title(c.title) for c in chosen},
            prices={c.retail_price for c in chosen if c.retail_price is not None}, wholesale_prices=wholesale,
            catalog_skus=set(catalog_skus), catalog_titles=set(catalog_titles), lang=lang, prose=[prose],
        )  # fmt: skip
        state.update(topic=topic, chosen=chosen, reasons=reasons, repairs=repairs)
        grounding = check(text, facts)
        if extra := contradictions(prose, chosen, message):
            grounding = Grounding(passed=False, problems=[*grounding.problems, *extra], claims=grounding.claims)
        return text, grounding

    text, grounding, attempts, flagged = grounded_attempts(attempt)
    reasons = list(state["reasons"]) + (["grounding failed after a retry"] if flagged else [])
    return ReplyDraft(
        merchant_id=merchant_id, message=message, order_id=order_id, topic=state["topic"], items=state["chosen"],
        needs_human=bool(reasons), needs_human_reasons=reasons, text=text, language=lang, grounding=grounding,
        flagged=flagged, attempts=attempts, prompt_id=prompt.id, prompt_version=prompt.version,
        model=deps.llm.model_name, latency_s=log.elapsed(), first_token_s=log.first_token_s, llm_seconds=log.seconds,
        json_retries=log.invalid_json, repairs=log.notes + state["repairs"],
    )  # fmt: skip


# Words about the model's input rather than to the customer ("…not specified in the products list you provided").
_PROMPT_TALK = re.compile(
    r"\byou (?:have )?(?:provided|given|gave me|sent me)\b|\b(?:products?|items?) list\b|\blist of (?:products|items)\b"
    r"|\bthe list\b|\bthe system\b|\b(?:these|my|the|your) (?:rules|instructions)\b|\bthe prompt\b|\bnot specified\b"
    r"|商品列表|列表|系统|规则|指令|提示词|未(?:指定|注明|列出)",
    re.IGNORECASE,
)


def prompt_talk(sentence: str, instructions: str) -> str | None:
    """Why a sentence of the model's reply is not for the customer: it copies the prompt's rules or talks about
    the model's input (the product list, "the system"); None when it is for the customer."""
    if echo := echoed_instructions(sentence, instructions):
        return f"it repeats the prompt's rules ({echo!r})"
    if match := _PROMPT_TALK.search(sentence):
        return f"it talks about the model's input ({match.group(0)!r}), not to the customer"
    return None


def _talk_note(sentence: str, instructions: str) -> str:
    why = prompt_talk(sentence, instructions) or "it talks about the shop's costs, which consumers are never told"
    return f"dropped the model's sentence {sentence!r}: {why}"


_NEGATIVE = re.compile(
    r"(?:do not|don't|doesn't|does not|cannot|can't) (?:have|carry|stock|sell|find)|not available|out of stock|"
    r"unavailable|no longer|没有|缺货|无货|卖完|售罄|找不到",
    re.IGNORECASE,
)


def _words(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z]{3,}", text.lower()) if w not in _STOP}


def _plausible(message: str, offer: ProductOffer) -> bool:
    """A picked product must share a content word with an English-worded message (small models over-pick).

    Messages with fewer than two English content words (e.g. pure Chinese) are left to the model's choice.
    """
    asked = _words(message)
    return len(asked) < 2 or bool(asked & _words(offer.title))


def _closest(message: str, candidates: list[ProductOffer]) -> list[ProductOffer]:
    """The plausible candidate sharing the most of the message's English words, the search's order breaking ties.

    A real message: "买两个 regency cakestand 蛋糕架…" ranked MINI CAKE STAND WITH HANGING CAKES first (a higher
    cosine) and REGENCY CAKESTAND 3 TIER fifth; taking the first hit only, which shares no word with it, showed
    none and told the customer the shop does not have it.
    """
    asked = _words(message)
    plausible = [c for c in candidates if _plausible(message, c)]
    return sorted(plausible, key=lambda c: len(asked & _words(c.title)), reverse=True)[:1]


def _asked_about(question: str, candidates: list[ProductOffer]) -> list[ProductOffer]:
    """The candidates a question names: those sharing the most of its English words, its attribute words left out
    ("is the popcorn holder made of glass?" is about the popcorn holder, not about a glass T-light holder among the
    search hits, whose title made the question look answerable in a fresh-clone probe); all of them where it names
    none ("do you have a red one?", a Chinese question)."""
    asked = _words(ATTRIBUTE_EN.sub(" ", question))
    shared = [len(asked & _words(c.title)) for c in candidates]
    most = max(shared, default=0)
    return [c for c, n in zip(candidates, shared, strict=True) if n == most] if most else candidates


def _with_namesakes(
    question: str, chosen: list[ProductOffer], candidates: list[ProductOffer], named: Collection[str]
) -> tuple[list[ProductOffer], list[str]]:
    """The products to show for the model's picks, and a note for each pick left out.

    A hit fits the question when its title holds every content word of it, or when the search found its product
    text holds every catalog word of it (`named`: "regency cake stand with three tiers" fits REGENCY CAKESTAND 3
    TIER, a compound and a number the word rule cannot see). Where the model picked some of those,
    the others are added: "is the cake stand in stock?" names every cake stand among the hits, and answering for
    the one the model picked (a Mini Cake Stand, in a fresh-clone probe) may answer for the wrong one. Where it
    picked none of them, they replace its picks: "这个 regency cakestand 蛋糕架…" got the Regency Cake Fork in
    every s2b eval generate run. Picks are left as they are when no hit fits the whole question.
    """
    asked = _words(question)
    namesakes = [c for c in candidates if (asked and asked <= _words(c.title)) or c.sku in named]
    picked = {c.sku for c in chosen}
    fitting = {c.sku for c in namesakes}
    if namesakes and not picked & fitting:
        notes = [f"showed {', '.join(c.title for c in namesakes[:MAX_PRODUCTS])!r}, which the question names, "
                 f"instead of the model's pick {c.title!r}" for c in chosen]  # fmt: skip
        return namesakes[:MAX_PRODUCTS], notes
    if len(namesakes) < 2 or not picked <= fitting:
        return chosen, []
    return [*chosen, *(c for c in namesakes if c.sku not in picked)][:MAX_PRODUCTS], []


def _named_in(prose: str, candidates: list[ProductOffer]) -> list[ProductOffer]:
    """Candidates the reply names outright: their facts line is added, so a named product is always priced."""
    upper = prose.upper()
    return [c for c in candidates if len(c.title) >= 6 and c.title.upper() in upper]


_POSITIVE = re.compile(
    r"\bwe (?:do )?(?:have|sell|carry|stock|offer)\b(?! (?:no|not|nothing)\b)"  # "We have no gaming laptops" is right
    r"|\bis available\b|\bin stock\b|\bhere (?:are|is) the details\b"
    r"|\bbut (?:we )?(?:do )?have\b|\bwe also have\b"
    r"|有货|我们(?:有|卖|出售|提供)|有的|信息如下|详情如下|但有|有其他|还有别的",
    re.IGNORECASE,
)
_AVAILABLE = re.compile(r"\bis available\b|\bin stock\b|\bavailable now\b|有货|现货", re.IGNORECASE)
_AGREES = re.compile(
    r"\b(?:yes|yeah|correct|that.s right|indeed|still (?:is|the same|costs?|priced))\b"
    r"|是的|没错|对的|确实|仍然是|还是这个价",
    re.IGNORECASE,
)
_COMPARES = re.compile(
    r"\b(?:under|below|less than|cheaper|lower than|more than|higher than|same price|that price|for that"
    r"|what (?:your|you|the) \w+ (?:said|mentioned|quoted))\b|便宜|低于|高于|不到|一样的价|同样的价|这个价",
    re.IGNORECASE,
)
_QUOTED_PRICE = re.compile(
    r"(?:£|¥|￥|\$|€)\s?(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)\s?(?:英镑|镑|元|块|pounds?|GBP)", re.IGNORECASE
)
_LEAKS = re.compile(
    r"\b(?:wholesale|trade|cost|supplier) price(?:s| list)? (?:is|are|was|were|has been|have been)\b"
    r"(?! not\b| confidential| private| internal| something| only)|"
    r"\b(?:printed|here is|here are|as requested)\b.*\b(?:wholesale|price list)\b|"
    r"(?:批发价|进价|成本价|拿货价)(?:是|为|如下|已)",
    re.IGNORECASE,
)


def _without_contradictions(prose: str, chosen: list[ProductOffer], message: str, repairs: list[str]) -> str:
    """The prose without its sentences that contradict the facts lines (`contradictions`), each noted in `repairs`.

    Used on the retry only: the first try's contradiction goes back to the model with the problem named. When the
    retry says it again (real drafts: "没有库存" for an available product, "You can get it for that." to a
    misquoted price, "我们有五常大米" when nothing matched), the facts lines below already answer the question, so
    the sentence is left out instead of flagging the whole draft for the owner.
    """
    kept, dropped = drop_sentences(prose, lambda sentence: bool(contradictions(sentence, chosen, message)))
    for sentence in dropped:
        repairs.append(f"dropped the model's sentence {sentence!r}: {contradictions(sentence, chosen, message)[0]}")
    return kept


def contradictions(prose: str, chosen: list[ProductOffer], message: str = "") -> list[str]:
    """The reply's words must agree with the facts lines and the data:

    - no denying an available product, no calling an out-of-stock product available;
    - no claiming to have something when no product matched;
    - no agreeing with a price the customer quoted when it is not the shop's price;
    - no saying the wholesale/cost price is being given (the injection and wholesale traps).
    """
    problems = []
    if chosen and all(c.available for c in chosen) and (match := _NEGATIVE.search(prose)):
        problems.append(f"reply says {match.group(0)!r} but the matched product is available")
    if chosen and not any(c.available for c in chosen) and (match := _AVAILABLE.search(prose)):
        problems.append(f"reply says {match.group(0)!r} but the matched product is out of stock")
    if not chosen and (match := _POSITIVE.search(prose)):
        problems.append(f"reply says {match.group(0)!r} but no product in the shop matches the question")
    prices = {c.retail_price.quantize(Decimal("0.01")) for c in chosen if c.retail_price is not None}
    quoted = {Decimal(m.group(1) or m.group(2)).quantize(Decimal("0.01")) for m in _QUOTED_PRICE.finditer(message)}
    if quoted - prices and (match := _AGREES.search(prose) or _COMPARES.search(prose)):
        problems.append(f"reply says {match.group(0)!r} to the customer's price, which is not the shop's price")
    if match := _LEAKS.search(prose):
        problems.append(f"reply says {match.group(0)!r}: the wholesale price is never given to consumers")
    return problems
