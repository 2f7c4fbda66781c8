"""Restock list for a merchant: the recommender's items and quantities, S's wholesale prices, the LLM's words.

The LLM writes only a summary and one reason per item (no numbers); every SKU, quantity and price line is
rendered here from the recommender's output and the catalog, and the whole text is grounding-checked.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from assistant.generators.common import (
    CallLog,
    GenerationError,
    call_json,
    catalog_index,
    clean_prose,
    cut_notes,
    drop_sentences,
    dropped_notes,
    grounded_attempts,
    merchant_language,
    money_text,
    speakable,
    trim_to_sentence,
)
from assistant.generators.deps import GeneratorDeps
from assistant.generators.drafts import RestockDraft, RestockLine
from assistant.generators.schema import prose_schema, token_budget
from assistant.grounding import STOCK_CLAIM, Facts, Grounding, check
from assistant.pricing import money, price_quotes
from core.domain import RestockItem

PROMPT_ID = "restock"
HINTS = {
    "en": {
        "repeat": "the shop reorders this regularly",
        "discover": "similar shops buy this; this shop has not tried it yet",
        "popular": "popular with many shops recently",
    },
    "zh": {"repeat": "这家店经常回购", "discover": "同类店铺常买，这家店还没进过", "popular": "最近很多店铺在进货"},
}


SUMMARY_CHARS = {"zh": 120, "en": 220}
# The prompt asks for twelve words / twenty characters; the model often writes more, and the grammar cuts it
# mid-phrase at the cap (see trim_to_sentence): room beyond what is asked lets most reasons end on their own.
REASON_CHARS = {"zh": 40, "en": 100}


def _schema(n: int, lang: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "summary": prose_schema(10, SUMMARY_CHARS[lang]),
            "reasons": {
                "type": "array",
                "items": prose_schema(4, REASON_CHARS[lang]),
                "minItems": n,
                "maxItems": n,
            },
        },
        "required": ["summary", "reasons"],
        "additionalProperties": False,
    }


# The summary from data, when the model's has nothing left: how many items of each kind the list holds.
SUMMARY_PARTS = {
    "en": {"repeat": "{n} you reorder regularly", "discover": "{n} that similar shops buy and you have not tried",
           "popular": "{n} popular with many shops now"},
    "zh": {"repeat": "{n} 件您常回购的商品", "discover": "{n} 件同类店铺常买、您还没进过的商品",
           "popular": "{n} 件近期很多店铺在进的商品"},
}  # fmt: skip
SUMMARY_FRAME = {"en": "Suggested restock for your shop: {parts}.", "zh": "为您的店铺建议的补货清单：{parts}。"}


def summary_from_data(lang: str, lines: list[RestockLine]) -> str:
    """ "Suggested restock for your shop: 8 you reorder regularly, 2 that similar shops buy and you have not tried."
    (counts of the list's reason kinds, from data: the grounding check allows 1..len(lines))."""
    kinds = [line.reason_kind if line.reason_kind in SUMMARY_PARTS[lang] else "popular" for line in lines]
    parts = [SUMMARY_PARTS[lang][k].format(n=kinds.count(k)) for k in SUMMARY_PARTS[lang] if k in kinds]
    return SUMMARY_FRAME[lang].format(parts=("，" if lang == "zh" else ", ").join(parts))


# A summary sentence that lists the products: the list below already shows them with their exact names, and the
# model's versions were wrong or cut short in most recorded runs ("小心手测量勺" for SMALL HEART MEASURING SPOONS,
# "…包括 Rabbit Night Light、Jumbo Bag Christmas、Round Snack Boxes Set Woodland" for a list of ten), against the
# prompt's rule. Also a wrong count in words ("这五件商品…" over a list of ten).
_LIST_SEPARATORS = re.compile(r"、|[,，;；:：]|\band\b|\bor\b|和|及")
_EN_COUNTS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
_COUNT_WORDS = {w: n for words in (_EN_COUNTS, "二三四五六七八九") for n, w in enumerate(words, 2)} | {"两": 2}
_COUNT_IN_WORDS = re.compile(
    r"([两二三四五六七八九十]+)\s?(?:件|款|种|样)"
    r"|\b(" + "|".join(_EN_COUNTS) + r")\s+(?:[a-z]+\s+)?(?:products|items)\b",
    re.IGNORECASE,
)


def _count(word: str) -> int:
    """ "five" -> 5, "十二" -> 12, "二十" -> 20."""
    tens, _, ones = word.lower().partition("十")
    if "十" not in word:
        return _COUNT_WORDS.get(word.lower(), 0)
    return _COUNT_WORDS.get(tens, 1 if not tens else 0) * 10 + _COUNT_WORDS.get(ones, 0)


# S's stock is not among what the model is told: "库存充足" ("plenty in stock", a real summary) is a guess.
def _without_stock_claims(prose: str, repairs: list[str]) -> str:
    kept, dropped = drop_sentences(prose, lambda sentence: bool(STOCK_CLAIM.search(sentence)))
    repairs.extend(f"dropped the model's sentence {d!r}: S's stock is not among its facts" for d in dropped)
    return kept


def _title_words(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z]{4,}", text.lower())}


def lists_products(sentence: str, lines: list[RestockLine]) -> bool:
    """The sentence enumerates products (three or more 、-separated items, or three or more pieces naming a
    word of the list's titles) or gives their number in words, wrongly."""
    named = set().union(*(_title_words(line.title) for line in lines))
    naming = sum(1 for piece in _LIST_SEPARATORS.split(sentence) if _title_words(piece) & named)
    counts = [_count(m.group(1) or m.group(2)) for m in _COUNT_IN_WORDS.finditer(sentence)]
    return sentence.count("、") >= 2 or naming >= 3 or any(n != len(lines) for n in counts)


def _clean(raw: str, limit: int, repairs: list[str]) -> str:
    """The model's words, whole: cut back at the length limit, broken sentences dropped; what went is recorded."""
    whole, cut = trim_to_sentence(raw, limit)
    kept, dropped = clean_prose(whole)
    repairs.extend(cut_notes(cut) + dropped_notes(dropped))
    return kept


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _own_words(reason: str, line: RestockLine, lang: str, repairs: list[str]) -> str:
    """The reason without the product's name in front ("Popcorn Holder: ..."; the list already shows it). A reason
    that only repeats the name (or, for zh, has no Chinese at all) says nothing; it is replaced by the
    recommender's own reason and the swap recorded."""
    for name in (line.title, speakable(line.title)):
        prefix = re.match(rf"\s*{re.escape(name)}\s*[:：\-—–,，]\s*(?=\S)", reason, re.IGNORECASE)
        if prefix:
            reason = reason[prefix.end() :]
            break
    rest = reason.upper().replace(speakable(line.title).upper(), "").replace(line.title.upper(), "")
    if reason and (not re.search(r"\w", rest) or (lang == "zh" and not _CJK.search(reason))):
        repairs.append(f"reason for {line.sku} {reason!r} only named the product; used the recommender's reason")
        return ""
    return reason


def _token_budget(n: int, lang: str) -> int:
    """Room for the whole JSON object at the longest allowed summary and reasons."""
    return 40 + token_budget(SUMMARY_CHARS[lang], lang) + n * (8 + token_budget(REASON_CHARS[lang], lang))


def _lines(deps: GeneratorDeps, merchant_id: str, items: list[RestockItem]) -> list[RestockLine]:
    quotes = price_quotes(deps.store, deps.settings, merchant_id, [i.sku for i in items])
    lines = []
    for item in items:
        quote = quotes.get(item.sku.upper())
        price = money(item.unit_price) if item.unit_price is not None else (quote.wholesale if quote else None)
        title = (item.title or (quote.title if quote else "") or item.sku).strip()
        lines.append(
            RestockLine(
                sku=item.sku,
                title=title,
                quantity=item.quantity,
                unit_price=price,
                line_total=money(price * item.quantity) if price is not None else None,
                currency=item.currency,
                expected_reorder_date=item.expected_reorder_date,
                reason_kind=str(item.reason.get("kind", "")),
                reason_data=dict(item.reason),
            )
        )
    return lines


def _render(lang: str, summary: str, lines: list[RestockLine], total: Decimal, currency: str) -> str:
    out = [summary.strip(), ""]
    for n, line in enumerate(lines, 1):
        price = money_text(line.unit_price, line.currency) if line.unit_price is not None else "?"
        subtotal = money_text(line.line_total, line.currency) if line.line_total is not None else "?"
        if lang == "zh":
            out.append(
                f"{n}. {line.title}（{line.sku}）× {line.quantity}，单价 {price}，小计 {subtotal} —— {line.reason}"
            )
        else:
            out.append(f"{n}. {line.title} ({line.sku}) × {line.quantity} @ {price} = {subtotal} — {line.reason}")
    total_text = money_text(total, currency)
    out.append("")
    out.append(f"合计：{total_text}（批发价）" if lang == "zh" else f"Total: {total_text} (wholesale prices)")
    return "\n".join(out)


def _facts(deps: GeneratorDeps, lang: str, lines: list[RestockLine], total: Decimal) -> Facts:
    catalog_skus, catalog_titles = catalog_index(deps.store)
    facts = Facts(
        audience="merchant",
        skus={line.sku for line in lines},
        titles={line.title for line in lines},
        prices={line.unit_price for line in lines if line.unit_price is not None}
        | {line.line_total for line in lines if line.line_total is not None}
        | {total},
        wholesale_prices={line.unit_price for line in lines if line.unit_price is not None},
        quantities={line.quantity for line in lines},
        catalog_skus=set(catalog_skus),
        catalog_titles=set(catalog_titles),
        lang=lang,
    )
    facts.allow_numbers(range(1, len(lines) + 1))
    return facts


def generate_restock(deps: GeneratorDeps, merchant_id: str, *, lang: str | None = None, k: int = 10) -> RestockDraft:
    """The merchant's restock list with a grounded summary and reasons (flagged if grounding still fails)."""
    log = CallLog()
    lang = lang or merchant_language(deps.store, merchant_id)
    restock = deps.restock.restock_for(merchant_id, k=k)
    if not restock.items:
        raise GenerationError(f"no restock suggestions for merchant {merchant_id!r}")
    lines = _lines(deps, merchant_id, restock.items)
    total = money(sum((line.line_total for line in lines if line.line_total is not None), Decimal(0)))
    currency = lines[0].currency
    prompt = deps.prompts.get(PROMPT_ID)
    hints = HINTS[lang]
    listing = "\n".join(
        f"{n}. {speakable(line.title)} — {hints.get(line.reason_kind, hints['popular'])}"
        for n, line in enumerate(lines, 1)
    )
    facts = _facts(deps, lang, lines, total)
    repairs: list[str] = []

    def attempt(problems: list[str]) -> tuple[tuple[str, str, list[str]], Grounding]:
        data = call_json(
            deps, prompt, lang, {"items": listing, "count": len(lines)}, _schema(len(lines), lang), log,
            problems=problems,
            max_tokens=_token_budget(len(lines), lang),
        )  # fmt: skip
        repairs.clear()
        summary = _clean(str(data.get("summary", "")), SUMMARY_CHARS[lang], repairs)
        summary, listed = drop_sentences(summary, lambda sentence: lists_products(sentence, lines))
        repairs.extend(f"dropped the summary's sentence {d!r}: it lists or counts the products" for d in listed)
        summary = _without_stock_claims(summary, repairs)
        reasons = [_clean(str(r), REASON_CHARS[lang], repairs) for r in data.get("reasons", [])]
        reasons = [_without_stock_claims(r, repairs) for r in reasons]
        reasons = reasons[: len(lines)] + [""] * (len(lines) - len(reasons))
        reasons = [_own_words(r, line, lang, repairs) for r, line in zip(reasons, lines, strict=True)]
        # a reason the model did not write whole is the recommender's own reason, in words
        reasons = [r or hints.get(line.reason_kind, hints["popular"]) for r, line in zip(reasons, lines, strict=True)]
        summary = summary or summary_from_data(lang, lines)
        for line, reason in zip(lines, reasons, strict=True):
            line.reason = reason
        text = _render(lang, summary, lines, total, currency)
        facts.prose = [summary, *reasons]
        return (text, summary, reasons), check(text, facts)

    (text, summary, _), grounding, attempts, flagged = grounded_attempts(attempt)
    return RestockDraft(
        merchant_id=merchant_id,
        as_of=restock.as_of,
        model_version=restock.model_version,
        summary=summary,
        items=lines,
        total=total,
        currency=currency,
        text=text,
        language=lang,
        grounding=grounding,
        flagged=flagged,
        attempts=attempts,
        prompt_id=prompt.id,
        prompt_version=prompt.version,
        model=deps.llm.model_name,
        latency_s=log.elapsed(),
        first_token_s=log.first_token_s,
        llm_seconds=log.seconds,
        json_retries=log.invalid_json,
        repairs=log.notes + repairs,
    )
