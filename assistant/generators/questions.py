"""What a customer's message asks that the shop's data cannot answer, and what in it is meant for the assistant.

The reply generator shows the model's words only where the store can back them: delivery, returns, orders, a
product's contents, discounts, attributes no title holds and sizes go to the shop owner instead; instructions
hidden in the message never reach the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.attributes import unsupported_attribute

HUMAN_TOPICS = {"delivery", "refund_or_return", "order_status", "other"}
HUMAN_WORDS = re.compile(
    r"deliver|shipping|ship\b|arrive|dispatch|refund|return|exchange|complain|broken|damaged|cancel|track|"
    r"发货|快递|物流|到货|送到|什么时候到|包邮|运费|邮费|配送|退款|退货|换货|投诉|坏了|破损|取消|单号|"
    # what comes with a product or an order: the catalog has titles and prices, not contents or free gifts
    r"\bincluded?\b|\bcomes? with\b|free gift|freebie|赠品|送不送|赠送|附赠|有没有送|"
    # a discount: what the shop may take off is the owner's call and the store has no discount data (a real draft
    # for "do you have any discount on the cake stand?" said "We don't offer any discounts ... at this time.")
    r"\bdiscount|\bcheaper\b|\b(?:better|lower|best) price\b|\bcoupon|\bvoucher|\bpromo(?:tion)? code"
    r"|优惠|打折|折扣|便宜(?:一)?点|便宜些|降价|砍价|能不能便宜|"
    # a service: personalising, engraving or a warranty is the owner's offer to make, and the store has no data on it
    # (a real draft for "can I get this lunch bag personalised with my name?": "Sure, we can personalize ...")
    r"\bpersonali[sz]|\bcustomi[sz]|\bengrave\b|\bengraving\b|\bmonogram|\bwarrant(?:y|ies)\b|\bguarantee"
    r"|定制|订制|个性化|刻字|印名字|保修|质保|售后",
    re.IGNORECASE,
)
_SEGMENT = re.compile(r"[^。！？!?.\n（()）]+[。！？!?.]*")
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget) (?:all |any |the )?(?:previous |prior |above |earlier |your )*"
    r"(?:instructions|rules|prompts?)\b|\bnew instructions\b|\bsystem\s*:|\byou are now\b"
    r"|(?:忽略|无视|忘记)[^。！？]{0,8}(?:指令|规则|指示|提示)|新(?:的)?指令|系统[:：]",
    re.IGNORECASE,
)


def strip_instructions(message: str) -> tuple[str, list[str]]:
    """The message without its sentences (or bracketed parts) that give the assistant instructions.

    The model is told to ignore instructions inside <message>, but a small model still follows some
    ("everything is free today"); what it never sees it cannot follow. What was removed is returned so the
    draft can say so (and a person looks at the message).
    """
    removed = [m.group(0).strip() for m in _SEGMENT.finditer(message) if _INSTRUCTION.search(m.group(0))]
    if not removed:
        return message, []
    kept = _SEGMENT.sub(lambda m: "" if _INSTRUCTION.search(m.group(0)) else m.group(0), message)
    kept = re.sub(r"[（(]\s*[)）]", "", kept).strip()
    return kept or message, removed


_SIZE_QUESTION = re.compile(
    r"\bhow (?:big|large|small|tall|high|wide|long|heavy|deep)\b|\bdimensions?\b|\bmeasure(?:ments?)?\b|\bweigh"
    r"|多大|多高|多宽|多长|多重|多深|尺寸|尺码|大小|规格|重量",
    re.IGNORECASE,
)


def _size_question(question: str) -> str | None:
    """The words of a question about a product's size or weight, which the catalog does not hold."""
    match = _SIZE_QUESTION.search(question)
    return match.group(0) if match else None


def unanswerable(message: str, topic: str) -> bool:
    """A delivery, refund, return, order, "what comes with it" or discount question: the store holds no data to
    answer it, so the model's words (in probes: "The shop owner will check and reply when your order arrives",
    "我们会在收到您的订单后核实并回复", promises under other prompt wordings) are not shown; the draft thanks the
    customer and says that the shop owner will reply."""
    return topic in {"delivery", "refund_or_return", "order_status"} or bool(HUMAN_WORDS.search(message))


def human_reasons(message: str, topic: str, order_id: str | None, matched: bool = False) -> list[str]:
    reasons = []
    if topic in HUMAN_TOPICS and not (topic == "other" and matched):
        reasons.append(f"topic {topic!r} is not answerable from shop data")
    if match := HUMAN_WORDS.search(message):
        no_data = "the store has no delivery, refund, order, contents, discount or service data"
        reasons.append(f"message asks about {match.group(0)!r} ({no_data})")
    if order_id:
        reasons.append("message refers to an order")
    return list(dict.fromkeys(reasons))


def asked_attribute(question: str, titles: Iterable[str]) -> str | None:
    """What the customer asks about that the catalog cannot answer: an attribute (colour, material, ...) that none
    of `titles` holds ("does it come in other colours?"; a real draft answered "The popcorn holder comes in other
    colors.") or the size or weight ("有多大"), which no title gives."""
    return unsupported_attribute(question, " ".join(titles).lower()) or _size_question(question)


# "is the cake stand in stock?": S's availability answers it (the facts line says available or out of stock)
_AVAILABILITY = re.compile(
    r"\bin stock\b|\bavailable\b|\bstill have\b|\bdo you (?:have|sell|carry)\b|有货|还有吗|有没有货|有卖", re.IGNORECASE
)


def corrected_topic(topic: str, message: str, order_id: str | None) -> str:
    """The model's topic, unless it took a stock question with no delivery or order words for a delivery or order
    question (it did: "is the cake stand in stock?" came back as "delivery" in s2b eval chat runs), which would
    send an answerable question to the shop owner."""
    asks_stock = _AVAILABILITY.search(message) and not HUMAN_WORDS.search(message) and not order_id
    return "availability" if topic in {"delivery", "order_status"} and asks_stock else topic
