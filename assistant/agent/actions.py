"""The actions the router may pick, the JSON schema that constrains its output, and the parsed form.

There is deliberately no merchant field anywhere: the merchant always comes from the API key.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field, ValidationError

from assistant.generators.copy import CHANNELS as COPY_CHANNELS
from assistant.language import CJK
from recsys.search.tokenize import stem, tokenize

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


# Words the router puts in `skus` when the owner named no product ("write an SMS for my shop" -> "your_shop_code",
# "make a poster line for my best sellers" -> "best_sellers", "写一条促销短信" -> "12345"; s2b serve, 2026-11-23):
# they say which products the owner means without naming one, so they name none.
_GENERIC_WORDS_TEXT = (
    "shop shops store stores code codes sku skus product products item items best seller sellers selling top new "
    "arrival arrivals sale sales promo promotion my your our the a an of for this that it them"
)
_GENERIC_WORDS = frozenset(_GENERIC_WORDS_TEXT.split())
_LATIN_WORD = re.compile(r"[a-z0-9]+")


def named_in(name: str, words: str) -> bool:
    """Whether the owner's words name the product the router wrote as `name`.

    A code (a word with a digit: 85123A, 12345) counts only as written. A Chinese name counts when two of its
    characters in a row are in the words, a Latin one when one of its non-generic words is. A name in the other
    script is a translation and is trusted if it says something; the catalog lookup checks it.
    """
    name = name.strip().replace("_", " ")
    if re.fullmatch(r"[A-Za-z0-9-]*[0-9][A-Za-z0-9-]*", name):
        return name.lower() in words.lower()
    cjk_name = "".join(CJK.findall(name))
    latin_name = [stem(w) for w in _LATIN_WORD.findall(name.lower()) if w not in _GENERIC_WORDS]
    latin_words = {stem(w) for w in _LATIN_WORD.findall(words.lower())}
    if cjk_name and CJK.search(words):
        return any(cjk_name[i : i + 2] in words for i in range(max(1, len(cjk_name) - 1)))
    if cjk_name:
        return True  # a Chinese name for English words
    if not latin_name:
        return False
    return not latin_words or any(w in latin_words for w in latin_name)


def without_unnamed_products(action: AgentAction, words: str, message: str | None = None) -> AgentAction:
    """A copy action keeps only the products the owner's words (this message and the ones before) name; when none
    is left, the product words of `message` itself are looked up (the router once wrote "21", a draft number, for
    "write another post for the rabbit night light")."""
    if action.action != "draft_copy":
        return action
    skus = [name for name in action.skus if named_in(name, words)]
    sku = action.sku if action.sku and named_in(action.sku, words) else ""
    query = action.query if action.query.strip() and named_in(action.query, words) else ""
    if (skus, sku, query) == (action.skus, action.sku, action.query):
        return action
    if not (skus or sku or query) and message:
        query = product_words(message)[:200]
    return action.model_copy(update={"skus": skus, "sku": sku, "query": query})


# Words of a copy request that are about the copy, not the product (keyword tokens: lower-cased, plurals stemmed).
_COPY_TASK_WORDS_TEXT = (
    "write draft make create give do can could would please us another new post copy text sms message email mail "
    "poster line note caption ad advert promo promotion promoting promote promotional about shop store best seller "
    "selling top product item wechat moment xiaohongshu red instagram facebook tiktok short fun cute nice one version "
    "写 写个 写一 一篇 一条 一个 一版 一下 帮 帮我 给 来 推广 促销 推荐 宣传 短信 文案 朋友 朋友圈 "
    "小红书 笔记 海报 标语 邮件 店 店里 我们 本店 商品 产品 热销 新品 条 篇 个 版"
)
_COPY_TASK_WORDS = frozenset(_COPY_TASK_WORDS_TEXT.split())


def product_words(message: str) -> str:
    """The words of a copy request left once the words about the copy are gone: "write another post for the rabbit
    night light" -> "rabbit night light"; "write an SMS for my shop" -> ""."""
    return " ".join(word for word in tokenize(message) if word not in _COPY_TASK_WORDS)


# Asking for products to stock is a catalog search unless the owner asks for writing: the router sent a real turn,
# "我下个月要办一个母亲节活动，推荐一些商品", to draft_copy with nothing to promote.
_RECOMMEND = re.compile(
    r"推荐(?:一些|几款|几个|几样|一下|点|些)?(?:商品|产品|货|东西|礼品|礼物)|有什么(?:好)?(?:商品|产品|货)|进(?:点|些)什么"
    r"|\b(?:recommend|suggest)(?: me)? (?:some |a few |any )?(?:products|items|things|gifts|stock)\b"
    r"|\bwhat (?:products|items|things) (?:should|could|can|to)\b",
    re.IGNORECASE,
)
_WRITING = re.compile(
    r"写|文案|广告|标语|口号|\b(?:write|draft|copy|caption|post|ad|advert|blurb|slogan|tagline|text)\b", re.IGNORECASE
)


# Words of a product request about the occasion's when and how, not the products (keyword tokens, as product_words)
_OCCASION_WORDS_TEXT = (
    "下个月 下周 这周 本周 这个月 本月 明天 下次 月 周 办 举办 搞 开 活动 要 想 准备 计划 "
    "点 些 一些 什么 哪些 适合 用 的 "
    "suggest recommend should could can what which stock sell offer need next month week year soon upcoming for my "
    "our i we some any good idea ideas"
)
_OCCASION_WORDS = frozenset(_OCCASION_WORDS_TEXT.split())


def theme_words(message: str) -> str:
    """The products or occasion a product request is about: "我下个月要办一个母亲节活动，推荐一些商品" -> "母亲节";
    a Chinese word inside a longer one of the message is left out (jieba gives both 母亲 and 母亲节)."""
    return _outer_words([word for word in product_words(message).split() if word not in _OCCASION_WORDS])


def _outer_words(words: list[str]) -> str:
    """The words, once each, without a Chinese word that is part of a longer one among them."""
    kept = [w for w in words if not (CJK.search(w) and any(w != other and w in other for other in words))]
    return " ".join(dict.fromkeys(kept))


# A question about a product's price or stock at S, which the router sent to the shop's own sales summary or to a
# customer reply (2026-11-25 QA: "how much is the rabbit night light?", "do you have jam jars?", "兔子夜灯还有货吗").
# The owner's own orders, spend or sales ("how much did I spend", "what sells best in the lights category?",
# "我进得最多的是哪些商品？") stay.
_PRICE_ASK = re.compile(
    r"\bhow much (?:is|are|for|does|do)\b|\bprices?\b|\bcost of\b|\bwhat does .+ cost\b"
    r"|多少钱|价格|价钱|单价|批发价|进价",
    re.IGNORECASE,
)
_STOCK_ASK = re.compile(
    r"\bin stock\b|\bavailable\b|\bany left\b|\bdo you (?:have|sell|stock|carry)\b|\bhave you got\b|\bis there any\b"
    r"|有货|还有吗|有没有|有吗|库存|在售|卖吗",
    re.IGNORECASE,
)
_OWN_SALES = re.compile(
    r"\b(?:i|we|my|our|me)\b.*\b(?:sold|sell|sells|selling|bought|buy|ordered|order|orders|spend|spent|paid)\b"
    r"|\b(?:sells?|selling|sold) (?:best|most|well|better)\b|\bbest[- ]?sell|\btop[- ]sell|\bsales\b|\brevenue\b"
    r"|我.*(?:卖|进|订|买|花|采购)|销量|销售|畅销|卖得|好卖|营业额",
    re.IGNORECASE,
)
# Words of such a question that ask, not name (keyword tokens, as product_words)
_ASKING_WORDS_TEXT = (
    "price cost pay stock available left sell carry wholesale trade unit each per "
    "多少钱 多少 钱 价格 价钱 单价 批发 发价 批发价 进价 有货 货 还有 没有 有没有 吗 呢 库存 在售 卖 个 一个"
)
_ASKING_WORDS = frozenset(_ASKING_WORDS_TEXT.split())


def asked_product(message: str) -> str:
    """The product words of a price or stock question: "how much is the rabbit night light?" -> "rabbit night
    light"; "兔子夜灯还有货吗" -> "兔子夜灯"."""
    words = _outer_words([word for word in tokenize(message) if word not in _ASKING_WORDS]).split()
    return " ".join(_written_together(words, message))


def _written_together(words: list[str], message: str) -> list[str]:
    """Chinese words the message writes together are kept together: "蛋糕" "架" -> "蛋糕架" (searched apart, the
    Regency cake fork comes before the cake stands)."""
    joined: list[str] = []
    for word in words:
        if joined and CJK.search(word) and CJK.search(joined[-1]) and joined[-1] + word in message:
            joined[-1] += word
        else:
            joined.append(word)
    return joined


# Words that put a customer in the message: a reply to draft is then the router's call ("reply to a customer: is the
# cake stand in stock?"); without them, a price or stock question is the owner's own.
_ABOUT_A_CUSTOMER = re.compile(
    r"\b(?:customers?|clients?|buyers?|shoppers?|repl(?:y|ies)|respond|answer)\b|顾客|客户|买家|客人|回复|回答|答复",
    re.IGNORECASE,
)


def as_product_question(action: AgentAction, message: str) -> AgentAction:
    """A sales summary, or a reply draft, for a question about a product's price (-> product_details) or stock
    (-> search_catalog) becomes that product action, with the product words the question names (none named: left to
    the router). A sales summary stays one where the message is about the owner's own orders or sales, a reply
    draft where it names a customer or a reply. The real router (agent_router v1) sent "how much does the rabbit
    night light sell for?" to the sales summary and "兔子夜灯还有货吗" to a reply draft (2026-11-25)."""
    if action.action == "sales_summary" and _OWN_SALES.search(message):
        return action
    if action.action == "draft_reply" and _ABOUT_A_CUSTOMER.search(message):
        return action
    if action.action not in ("sales_summary", "draft_reply"):
        return action
    price, stock = _PRICE_ASK.search(message), _STOCK_ASK.search(message)
    words = asked_product(message)[:200]
    if not (price or stock) or not words:
        return action
    return AgentAction(action="product_details" if price else "search_catalog", query=words)


# A ranking of the owner's own past orders or sales ("我进得最多的是哪些商品？", "which products did I order most?"):
# after a sales turn the real router (agent_router v2) answered it with the details of the product the sales summary
# had listed first (2026-11-25). Present-tense buying ("I want to order the most popular cake stand") is no ranking.
_RANKS_OWN_ORDERS = re.compile(
    r"\b(?:i|we)\b.*\b(?:sold|bought|ordered|spent)\b.*\b(?:most|best|top)\b"
    r"|\b(?:most|best|top)\b.*\b(?:i|we)\b.*\b(?:sold|bought|ordered)\b"
    r"|\b(?:did|have)\s+(?:i|we)\s+(?:order|buy|sell)\b.*\b(?:most|best)\b"
    r"|\b(?:my|our)\s+(?:best|top)[- ]?sell|\b(?:sells?|selling|sold) (?:best|most)\b"
    r"|我.*(?:进|订|买|卖)得?(?:最多|最好)|(?:最多|最好)的?.*我.*(?:进|订|买|卖)|销量(?:最|排)|最畅销",
    re.IGNORECASE,
)


def as_sales_question(action: AgentAction, message: str) -> AgentAction:
    """A product action (details, search) for a message that ranks the owner's own orders or sales becomes the sales
    summary, whose top products answer it; one that also asks a price or stock is left as it is."""
    if action.action not in ("product_details", "search_catalog") or not _RANKS_OWN_ORDERS.search(message):
        return action
    if _PRICE_ASK.search(message) or _STOCK_ASK.search(message):
        return action
    return AgentAction(action="sales_summary", days=action.days)


def as_product_search(action: AgentAction, message: str) -> AgentAction:
    """A copy action for a message that asks for products and not for writing becomes a catalog search of the
    message's own words (the theme: "母亲节", "Halloween party")."""
    if action.action != "draft_copy" or not _RECOMMEND.search(message) or _WRITING.search(message):
        return action
    if named_channel(message) is not None:
        return action
    return AgentAction(action="search_catalog", query=theme_words(message)[:200] or message.strip()[:200])


# An owner passing on a customer's words: "A customer asks: does the popcorn holder come in other colours?" The router
# sent that one to search_catalog in every s2b eval chat run (the product and the question read like a search).
_CUSTOMER_SAYS = re.compile(
    r"^\s*(?:(?:a|my|one|the|this)\s+)?(?:customer|client|buyer|shopper)s?\s+"
    r"(?:asks?|asked|says?|said|wants\s+to\s+know|wrote|writes|is\s+asking|messaged)\b"
    r"|^\s*(?:有个?|一位|一个)?(?:顾客|客户|买家|客人)(?:问|说|留言|咨询|发消息说?)",
    re.IGNORECASE,
)
_QUOTE_MARK = re.compile(r"\s*[:：]\s*")
# The owner's request after the quoted words ("顾客问：热水袋可以退货吗？帮我回复一下"): not the customer's; searched
# with the question it matched a Recycling Bag to a hot-water-bottle question in one s2b eval chat run.
_OWNER_ASK = re.compile(
    r"[\s,，.。!！;；]*(?:(?:请|麻烦)?帮(?:我|忙)?|请)(?:回复|回)(?:一下)?[。.!！]?\s*$"
    r"|[\s,.;!]*(?:(?:can|could) you\s+|please\s+)?(?:draft|write)\s+(?:me\s+)?(?:a\s+)?reply(?:\s+for\s+me)?[.!]?\s*$",
    re.IGNORECASE,
)


def with_customer_question(action: AgentAction, message: str, owner_words: str = "") -> AgentAction:
    """The customer's words a reply answers come from the owner's messages, never from the router's retelling.

    A message that opens with a customer's words ("A customer asks: ...", "顾客问：...") is a reply to draft: after a
    colon the customer's own words follow and are what the reply answers; without one ("Customer says her order
    arrived broken") the whole message is. A draft_reply whose customer_message is not in the owner's words
    (`owner_words`, else `message`) answers the message instead: in one s2b eval chat run the router passed
    "兔子夜灯有10英寸。" (an answer it made up) for "顾客问兔子夜灯有多大", and a reply it had written itself
    for "Customer says her order arrived broken"."""
    found = _CUSTOMER_SAYS.match(message)
    if found:
        rest = message[found.end() :]
        quoted = _QUOTE_MARK.match(rest)
        said = _OWNER_ASK.sub("", rest[quoted.end() :]) if quoted else message
        if not rest.strip(" \t\n:：,，"):
            said = ""  # nothing of theirs yet: draft_reply asks for it
        return AgentAction(action="draft_reply", customer_message=said.strip()[:2000])
    if action.action != "draft_reply":
        return action
    retold = action.customer_message.strip() or action.query.strip()
    if _verbatim(retold, owner_words or message):
        return action
    return AgentAction(action="draft_reply", customer_message=message.strip()[:2000])


def _verbatim(part: str, text: str) -> bool:
    """`part` appears in `text` (case, spacing and its closing punctuation aside)."""

    def flat(value: str) -> str:
        return " ".join(value.casefold().split())

    return flat(part).rstrip(" .。!！?？") in flat(text)


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
