"""Grounding check: every claim a generated text makes must be true of the store.

The generators render SKUs, prices, quantities and stock from data themselves; this check still scans the
final text, so a number the model slipped into its prose is caught. It finds SKU codes, catalog product
titles, prices (£ ¥ $ € GBP RMB 元 镑 p, with or without decimals), quantities, stock and discount claims,
placeholders, and any other number, and compares them with the facts the draft was built from. Consumer text
must never show S's wholesale price.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import BaseModel, Field

from assistant.attributes import unsupported_attribute
from assistant.language import language_matches

Audience = Literal["consumer", "merchant"]

_NUM = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_PRICE_BEFORE = re.compile(r"(£|¥|￥|\$|€|GBP|RMB|CNY|USD|EUR|HK\$)\s?" + _NUM, re.IGNORECASE)
_PRICE_AFTER = re.compile(_NUM + r"\s?(元|块钱|块|英镑|镑|GBP|RMB|CNY|pounds?|pence|p)(?![A-Za-z])", re.IGNORECASE)
_QTY_AFTER = re.compile(
    _NUM + r"\s?(x|×|units?|pcs|pieces|packs?|boxes|items|件|个|只|箱|套|包|盒|份|支|条|张)(?![A-Za-z])", re.IGNORECASE
)
_QTY_BEFORE = re.compile(r"(?:[x×]|qty:?|quantity:?|数量[:：]?)\s?" + _NUM, re.IGNORECASE)
_STOCK = re.compile(
    r"(?:only\s+)?" + _NUM + r"\s?(?:left|remaining|in stock)|(?:库存|仅剩|只剩|剩下?|还有)\s?" + _NUM, re.IGNORECASE
)
_PERCENT = re.compile(_NUM + r"\s?(?:%|％|percent|折)")
_PRICE_IN_WORDS = re.compile(r"[零一二两三四五六七八九十百千]+\s?(?:元|块钱|块|英镑|镑)")
_SKU_LIKE = re.compile(r"(?<![A-Za-z0-9])(\d{5}[A-Z]{0,4})(?![A-Za-z0-9])")
_BARE_NUMBER = re.compile(r"(?<![A-Za-z])" + _NUM)
_PLACEHOLDERS = [
    re.compile(r"\[[^\]\n]{1,40}\]"),
    re.compile(r"\{[^}\n]{0,40}\}"),
    re.compile(r"<[A-Za-z _]{1,30}>"),
    re.compile(r"\bX{2,}\b|\bx{3,}\b|某某|XX|＿{2,}|_{3,}|\*{3,}"),
    re.compile(r"\b(?:TBD|TODO|lorem ipsum)\b", re.IGNORECASE),
]
# Consumer-facing claims the data never supports: free goods, discounts, delivery/refund promises, bundles.
_CONSUMER_CLAIMS = re.compile(
    r"\bfree\b|免费|包邮|\bguarantee[ds]?\b|保证|\btomorrow\b|明天|今天发货|\bnext[- ]day\b"
    r"|\brefund(?:ed)? (?:in|within)\b|\bhalf[- ]price\b|半价|[一二三四五六七八九]折|打折|折扣"
    # delivery, order and refund promises: the store has no delivery, order-tracking or refund data
    r"|\b(?:will|should) (?:arrive|be (?:delivered|dispatched|shipped|refunded))\b|\barrive soon\b"
    r"|\bavailable for (?:delivery|return|refund)\b|\b(?:we|I) (?:will|can) refund\b|\bcan be returned\b"
    r"|\bwe (?:have )?received your (?:order|return)\b"
    r"|\b(?:send|ship|dispatch|deliver|get) (?:it|them|your order|the order)(?: to you)? as soon as\b"
    # a shipping offer (a real reply: "I'll be happy to ship it to you on your next order.")
    r"|\b(?:we|I)(?:'ll|'d| will| would| can| could)(?: be (?:happy|glad|pleased) to)?"
    r" (?:ship|deliver|dispatch)\b"
    r"|\b(?:happy|glad|pleased) to (?:ship|deliver|dispatch)\b"
    r"|(?:可以|会|能|将)(?:为您|给您|帮您)?(?:寄出|寄给|邮寄|发货|配送|送货)"
    r"|尽快(?:为您)?(?:发货|寄出|送达|到货|退款)|很快(?:就)?(?:到|发货|送达)|马上发货|已(?:经)?发货|会(?:尽快)?(?:送达|到货)|已经收到您的订单|正在(?:处理|核实)?退款|(?:会|可以|将)(?:给您)?退款"
    # soft order promises (a real reply: "我们会尽快为您安排"): the draft cannot take or arrange an order
    r"|(?:尽快|马上|立即|立刻)(?:为您|给您|帮您)?安排|\b(?:we|I)(?:'ll| will| can) (?:arrange|prepare|process|reserve)"
    r" (?:it|them|that|this|one|your order|the order|delivery|shipping)\b"
    r"|\b(?:we|I)(?:'ll| will) get (?:started|going|to work|on it)\b|马上(?:开始|动手|为您做)"
    # bundle and gift claims (a real copy: "Popcorn holder and rabbit night light included!" of three separate
    # products): the catalog says what a product is, never what comes with it ("not included" promises nothing)
    r"|(?<!not )\bincluded\b|(?<!not )(?<!n't )\bcomes? with\b|\bbundled\b"
    r"|(?<!没有)(?<!无)赠品|附赠|赠送|买[一二三][送赠][一二三]|内含"
    # price comparisons: the store has no market or competitors' prices
    r"|市场价|最低价|全网最低|(?:最|更)便宜"
    r"|\b(?:lowest|best) prices?\b|\bcheapest\b|\bmarket prices?\b|\bbelow (?:the )?market\b",
    re.IGNORECASE,
)
# Promotions: the store has no promotion or sale data, so the price the offer line shows is the regular one (real
# copy variants that passed before 2026-11-24: "now at a discounted price!", "... on Sale!", "Save Big on ...",
# "现在购买，享受独家优惠！", "蛋糕套装现在限时优惠！"). Saying there is none is true, so a match whose clause holds a
# negation before it is not a claim (a real reply: "... is not subject to any promotions or discounts.").
_PROMOTION_CLAIMS = re.compile(
    r"\bdiscount(?:s|ed)?\b|\bon sale\b|\bsale prices?\b|\breduced prices?\b|\bprice (?:cut|drop|reduction)s?\b"
    r"|\blimited[- ]time\b|\bclearance\b|\bbargains?\b|\bpromo(?:tional)? prices?\b|\bsave (?:big|more|money|now)\b"
    r"|\b(?:special|exclusive|limited|great|good|amazing|unbeatable) (?:offers?|deals?|prices?)\b"
    r"|优惠|特价|特惠|促销|降价|减价|秒杀|清仓|甩卖|限时|大促|让利",
    re.IGNORECASE,
)
# Services: the catalog and the store say nothing of customisation, warranties or after-sales care (a real zh copy
# variant offered "定制服务" for a stock product). Saying there is none is true, as with promotions.
_SERVICE_CLAIMS = re.compile(
    r"\bpersonali[sz](?:e|es|ed|ing|able|ation)\b|\bcustomi[sz](?:e|es|ed|ing|able|ation)\b|\bcustom[- ]made\b"
    r"|\bcustom orders?\b"
    r"|\bmade[- ]to[- ]order\b|\bbespoke\b|\bwarrant(?:y|ies)\b|\bafter[- ]sales?\b"
    r"|定制|订制|个性化|刻字|保修|质保|售后|无理由退|包退|包换",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.!?;,:\n。！？；，：、]")
_NEGATION = re.compile(r"\b(?:no|not|never|without|nor)\b|n't\b|没有|没|无|并非|不(?!错|仅|但|只|妨)", re.IGNORECASE)


class Grounding(BaseModel):
    """Result of the check: passed, and the exact problems when not."""

    passed: bool
    problems: list[str] = Field(default_factory=list)
    claims: dict[str, list[str]] = Field(default_factory=dict)


# Web addresses, e-mail addresses and social handles: the shop's data has none, so the model made them up (a real SMS
# variant: "Discover Rabbit Night Light ... with etsy.com/night-light-rabbit"; the sentence split of "... for only
# etsy.com/chain-kit-christmas" left "com/chain-kit-christmas").
_LINK = re.compile(
    r"https?://\S+|\bwww\.\S+|[\w.+-]+@[\w-]+(?:\.[a-z]{2,})+|(?<![\w@])@[A-Za-z_]\w{2,}"
    r"|\b[\w-]+\.(?:com|net|org|shop|store|co\.uk|uk|cn|io|me)\b(?:/\S*)?|(?<![\w.])(?:com|net|org|cn)/\S+",
    re.IGNORECASE,
)


@dataclass
class Facts:
    """What a draft may state. Prices in the draft's currency, rounded to the penny."""

    audience: Audience
    skus: set[str] = field(default_factory=set)
    titles: set[str] = field(default_factory=set)
    prices: set[Decimal] = field(default_factory=set)
    wholesale_prices: set[Decimal] = field(default_factory=set)
    quantities: set[int] = field(default_factory=set)
    stock: set[int] = field(default_factory=set)
    numbers: set[Decimal] = field(default_factory=set)  # other numbers rendered from data (totals, counts)
    catalog_titles: set[str] = field(default_factory=set)  # all catalog titles, to spot products not in the draft
    catalog_skus: set[str] = field(default_factory=set)
    lang: str | None = None
    max_chars: int | None = None
    prose: list[str] = field(default_factory=list)  # the model-written parts, for the language check

    def allow_numbers(self, values: Iterable[Decimal | int | float]) -> None:
        self.numbers.update(_dec(v) for v in values)


def _dec(value: Decimal | int | float | str) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _parse(number: str) -> Decimal | None:
    try:
        return _dec(number.replace(",", ""))
    except InvalidOperation:
        return None


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            chars[i] = " "
    return "".join(chars)


def _negated(text: str, start: int) -> bool:
    """Whether the clause `text[start:]` begins in says "no" before `start` ("no discount", "没有优惠")."""
    clause_start = max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)
    return _NEGATION.search(text, clause_start, start) is not None


def _strip_titles(text: str, titles: Iterable[str]) -> tuple[str, list[str]]:
    """Blank out allowed product titles (they may contain numbers, e.g. 'SET OF 3 CAKE TINS')."""
    found = []
    upper = text.upper()
    for title in sorted((t for t in titles if t), key=len, reverse=True):
        start = upper.find(title.upper())
        while start >= 0:
            found.append(title)
            text = text[:start] + " " * len(title) + text[start + len(title) :]
            upper = text.upper()
            start = upper.find(title.upper())
    return text, found


def _title_numbers(titles: Iterable[str]) -> set[Decimal]:
    """Numbers that are part of a product's own name ('SET OF 3 CAKE TINS') are facts about that product."""
    return {v for t in titles for raw in re.findall(r"\d+(?:\.\d+)?", t) if (v := _parse(raw)) is not None}


def check(text: str, facts: Facts) -> Grounding:
    facts.numbers = facts.numbers | _title_numbers(facts.titles)
    problems: list[str] = []
    claims: dict[str, list[str]] = {"skus": [], "titles": [], "prices": [], "quantities": [], "numbers": []}
    if not text.strip():
        return Grounding(passed=False, problems=["empty text"], claims=claims)
    for pattern in _PLACEHOLDERS:
        for match in pattern.finditer(text):
            problems.append(f"placeholder {match.group(0)!r} left in the text")
    _check_titles(text, facts, problems, claims)
    rest_of_titles, _ = _strip_titles(text, facts.titles)  # "BUNDLE OF 3 …" is a name, not a claim
    rest = _check_skus(rest_of_titles, facts, problems, claims)
    rest = _check_prices(rest, facts, problems, claims)
    rest = _check_quantities(rest, facts, problems, claims)
    _check_other_numbers(rest, facts, problems, claims)
    for match in _PRICE_IN_WORDS.finditer(text):
        problems.append(f"price in words {match.group(0)!r} is not a price in the data")
    if facts.audience == "consumer":
        for match in _CONSUMER_CLAIMS.finditer(rest_of_titles):
            problems.append(f"claim {match.group(0)!r} is not backed by the shop's data; leave it out")
        for match in (*_PROMOTION_CLAIMS.finditer(rest_of_titles), *_SERVICE_CLAIMS.finditer(rest_of_titles)):
            if not _negated(rest_of_titles, match.start()):
                problems.append(f"claim {match.group(0)!r} is not backed by the shop's data; leave it out")
        if word := unsupported_attribute(rest_of_titles, " ".join(facts.titles).lower()):
            problems.append(f"the product's {word!r} is not in the shop's data; leave it out")
    for match in _LINK.finditer(text):
        problems.append(f"web address or contact {match.group(0)!r} is not in the shop's data; leave it out")
    for prose in facts.prose:
        problems.extend(prose_problems(prose))
    if facts.max_chars is not None and len(text) > facts.max_chars:
        problems.append(f"text is {len(text)} characters, limit is {facts.max_chars}")
    if facts.lang:
        prose = " ".join(facts.prose) if facts.prose else text
        own, _ = _strip_titles(prose, facts.titles | facts.catalog_titles)
        if own.strip() and not language_matches(own, facts.lang):
            problems.append(f"text is not written in {facts.lang}")
        elif prose.strip() and not _WORD.search(own):  # a real zh copy variant: "Rotating Silver Angels T-Light Hldr"
            problems.append("the model's words only repeat a product name; write about the product")
    problems = list(dict.fromkeys(problems))
    return Grounding(passed=not problems, problems=problems, claims=claims)


_WORD = re.compile(r"[A-Za-z\u4e00-\u9fff]")
_CURRENCY_WORDS = re.compile(r"人民币|英镑|美元|\bpounds?\b|\bGBP\b|\bRMB\b|\byuan\b|\bdollars?\b", re.IGNORECASE)
_GAP = re.compile(
    r"[^\s.!?。！？]\s{2,}[^\s]|\s[.,，。](?:\s|$)"  # two spaces after a sentence's end are only typography
    r"|(?:costs?|priced at|for only|only|just|价格是|价格为|只要|仅需)\s*[.,，。!！]"
    # a word where the price was meant to be: "Get your Paper Chain Kit ... for just ouch!" (a real SMS variant)
    r"|\bfor (?:just|only)\s+(?!(?:today|tonight|now|you|me|us|a|the|this|one)\b)[a-z]+\s*[.!]",
    re.IGNORECASE,
)


# The decoder cannot write digits, so where the model meant to state a number it may end the sentence or the
# whole text on the number's lead-in: "It is designed to carry up to", "a set of.", "低至", "经常被" (a real model's
# reason: "often bought by <number> shops"), "…，是" ("价格是" waits for a number). Words and characters that end
# nothing.
# Case-sensitive on purpose: "Plan A" or "Vitamin A" end a sentence, "a" does not.
_DANGLING = re.compile(
    r"(?:(?<![A-Za-z])(?:up to|at least|as (?:low|little|much|many) as|(?:more|less|fewer) than|only|just|nearly"
    r"|almost|(?:set|pack|box|bundle|case|pair) of|a|an|the|and|or)|最多|至少|多达|低至|高达|仅需|只需|只要|仅"
    r"|被|把|从|向|跟|与|和|及|或|给|是)"
    r"\s*[.,，。!！]?\s*$"
)


# A Chinese piece that ends on 的 with no closing mark stops before its noun ("适合喜欢音乐和创意的", "suited to those
# who like music and creative…", a real restock reason) unless 的 closes a predicate: 是…的, or a degree word before
# an adjective ("这盏灯挺好的", "超可爱的").
_OPEN_DE = re.compile(r"([^，。！？；：,.!?;:]*)的\s*[，,]?\s*$")
_CLOSED_DE = re.compile(r"是|挺|很|超|真|太|蛮|好|非常|特别|十分|相当")


# Claims about stock, S's or the shop's own; the model never has stock figures unless the facts hold one. Real chat
# turns (s2b eval chat, 2026-11-24) read the suggested quantities or the number of hits as stock: "POPCORN HOLDER -
# 当前库存6个，需要补充6个", "根据你的预算和库存情况", "Based on the current inventory and the total value".
STOCK_CLAIM = re.compile(
    r"库存(?:充足|不足|紧张|有限|为空|为零)|没有库存|现货|(?<!所)有货|缺货|断货"
    r"|(?:当前|现有|目前|现在的?|剩余)库存|库存(?:情况|状况|水平|量|数量)|库存\s*(?:[:：]|是|有|还有|只有)?\s*\d"
    r"|\b(?:in|out of|low|limited|current|no) stock\b|\bstock levels?\b|\bsold out\b|\bselling out\b"
    r"|\b(?:current|existing|available|remaining) inventory\b|\binventory levels?\b"
    # a search turn's "PARTY INVITES WOODLAND (SKU: 21058) - 6 units available" (6 was the number of hits found)
    r"|\b(?:units?|pieces|pcs) (?:available|left|remaining)\b",
    re.IGNORECASE,
)


# The same words four times in a row inside one sentence: a decoding loop ("Pantry Design Pantry Design …",
# "价格：价格：价格：价格："). Whole repeated sentences are dropped by the generators' clean_prose.
_LOOP = re.compile(r"(\S.{1,40}?)(?:[\s，,、：:]*\1){3,}")


def repeated_words(text: str) -> str | None:
    """The words a decoding loop repeats (four times in a row), or None."""
    match = _LOOP.search(text)
    return match.group(1).strip() if match else None


def attempted_amounts(text: str) -> list[str]:
    """Where model prose tried to state an amount the decoder cannot write in digits: placeholders ("价格是XX元",
    "[price]") and prices in words ("价格是十元"). The true amounts are in the lines written from data."""
    return [m.group(0) for pattern in (*_PLACEHOLDERS, _PRICE_IN_WORDS) for m in pattern.finditer(text)]


def prose_problems(prose: str) -> list[str]:
    """Model-written prose states no amounts: no currency words, no holes where it tried to write a number."""
    problems = []
    if match := _CURRENCY_WORDS.search(prose):
        problems.append(f"the model's words mention a currency ({match.group(0)!r}); prices come only from the data")
    if _GAP.search(prose):
        problems.append("the model's words have a gap where it tried to state a number")
    if looped := repeated_words(prose):
        problems.append(f"the model's words repeat themselves ({looped!r} over and over)")
    if match := _DANGLING.search(prose):
        tail = match.group(0).strip()
        problems.append(f"the model's words stop mid-sentence ({tail!r}), most likely where it meant to state a number")
    elif (match := _OPEN_DE.search(prose)) and not _CLOSED_DE.search(match.group(1)):
        problems.append(f"the model's words stop mid-phrase ({match.group(0).strip()!r}): 的 without its noun")
    return problems


def _check_titles(text: str, facts: Facts, problems: list[str], claims: dict[str, list[str]]) -> None:
    upper = text.upper()
    allowed = {t.upper() for t in facts.titles}
    for title in facts.catalog_titles:
        key = title.upper()
        # two words at least: the catalog also holds one-word adjustment lines ("returned", "damaged")
        if len(key) >= 8 and len(key.split()) >= 2 and key in upper:
            if key in allowed or any(key in a for a in allowed):
                claims["titles"].append(title)
            else:
                problems.append(f"mentions product {title!r}, which is not among this draft's products")


def _check_skus(text: str, facts: Facts, problems: list[str], claims: dict[str, list[str]]) -> str:
    spans = []
    candidates = {m.group(1): m.span(1) for m in _SKU_LIKE.finditer(text)}
    for token in re.finditer(r"(?<![A-Za-z0-9])([A-Z0-9]{2,12})(?![A-Za-z0-9])", text):
        if token.group(1) in facts.catalog_skus or token.group(1) in facts.skus:
            candidates.setdefault(token.group(1), token.span(1))
    for match in _SKU_LIKE.finditer(text):
        spans.append(match.span(1))
    for sku, span in candidates.items():
        spans.append(span)
        claims["skus"].append(sku)
        if sku not in facts.skus:
            where = "not in S's catalog" if sku not in facts.catalog_skus else "not among this draft's products"
            problems.append(f"SKU {sku} is {where}")
    for sku in facts.skus:  # blank every occurrence of allowed SKUs
        for match in re.finditer(rf"(?<![A-Za-z0-9]){re.escape(sku)}(?![A-Za-z0-9])", text):
            spans.append(match.span())
    return _blank(text, spans)


def _check_prices(text: str, facts: Facts, problems: list[str], claims: dict[str, list[str]]) -> str:
    spans = []
    for pattern, group in ((_PRICE_BEFORE, 2), (_PRICE_AFTER, 1)):
        for match in pattern.finditer(text):
            raw = match.group(group)
            value = _parse(raw)
            unit = match.group(1 if group == 2 else 2).lower()
            if value is not None and unit in ("p", "pence"):
                value = _dec(value / 100)
            spans.append(match.span())
            claims["prices"].append(match.group(0).strip())
            if value is None:
                continue
            if facts.audience == "consumer" and value in facts.wholesale_prices and value not in facts.prices:
                problems.append(
                    f"price {match.group(0).strip()} is S's wholesale price; consumer text must not show it"
                )
            elif value not in facts.prices and value not in facts.numbers:
                problems.append(f"price {match.group(0).strip()} is not a price in the data")
        text = _blank(text, spans)
    return text


def _check_quantities(text: str, facts: Facts, problems: list[str], claims: dict[str, list[str]]) -> str:
    spans = []
    for pattern, kind in (
        (_STOCK, "stock"),
        (_PERCENT, "discount"),
        (_QTY_AFTER, "quantity"),
        (_QTY_BEFORE, "quantity"),
    ):
        for match in pattern.finditer(text):
            raw = next((g for g in match.groups() if g and re.fullmatch(_NUM, g)), None)
            value = _parse(raw) if raw else None
            spans.append(match.span())
            claims["quantities"].append(match.group(0).strip())
            if value is None:
                continue
            if kind == "discount":
                problems.append(f"discount {match.group(0).strip()!r} is not in the data")
            elif kind == "stock" and value not in {_dec(s) for s in facts.stock}:
                problems.append(f"stock claim {match.group(0).strip()!r} does not match the data")
            elif kind == "quantity" and value not in {_dec(q) for q in facts.quantities} | facts.numbers:
                problems.append(f"quantity {match.group(0).strip()!r} is not a quantity in the data")
        text = _blank(text, spans)
    return text


def _check_other_numbers(text: str, facts: Facts, problems: list[str], claims: dict[str, list[str]]) -> None:
    allowed = facts.numbers | {_dec(q) for q in facts.quantities} | facts.prices
    if facts.audience == "merchant":
        allowed |= facts.wholesale_prices
    for match in _BARE_NUMBER.finditer(text):
        value = _parse(match.group(1))
        claims["numbers"].append(match.group(1))
        if value is not None and value not in allowed:
            problems.append(f"number {match.group(1)} does not come from the data")
