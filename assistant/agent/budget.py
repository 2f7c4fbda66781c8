"""A restock budget in the owner's own words, and the restock lines that fit it.

A real turn (2026-11-24): "I only have 20 pounds this week. What should I reorder?" got the whole 37.55 GBP list and
the model's "This will help you stay within your budget". The router has no budget field (its `max_price` is a unit
price for searches and it wrote 20 there), so code reads the amount from the message and fits the list: lines are
taken whole, in the recommender's order, while they fit; a line that does not fit is left out and the next one
tried. The quantities stay the recommender's (a merchant's usual order), never cut to squeeze a line in.

A money amount is a budget when the message says it is one (budget, spend, have, afford, 预算, 只有 ...) and not a
price per item ("under 2 pounds each", "单价10镑以内"), which is a unit price, not a budget.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from core.domain import RestockItem

_AMOUNT = r"\d{1,7}(?:,\d{3})*(?:\.\d{1,2})?"
# the currency a marker names: before the amount (£20) or after it (20 pounds, 20镑, 100元)
_BEFORE = {"GBP": r"£|GBP", "USD": r"US\$|\$|USD", "EUR": r"€|EUR", "CNY": r"¥|￥|RMB|CNY"}
_AFTER = {
    "GBP": r"pounds?|quid|GBP|英镑|镑",
    "USD": r"dollars?|bucks|USD|美元|美金",
    "EUR": r"euros?|EUR|欧元",
    "CNY": r"yuan|RMB|CNY|人民币|元|块钱?",
}
_MONEY = re.compile(
    "|".join(
        [rf"(?:{marker})\s?(?P<before_{code}>{_AMOUNT})" for code, marker in _BEFORE.items()]
        + [rf"(?<![\d.])(?P<after_{code}>{_AMOUNT})\s?(?:{marker})(?![A-Za-z])" for code, marker in _AFTER.items()]
    ),
    re.IGNORECASE,
)
_SPEND = r"\bbudget|\bspend|\bafford\b|预算|花(?:费|掉)?\s*(?=\d)|[能要想可]花"
# a bare number is money only after these words ("my budget is 30"); with a currency marker the softer ones count
_BUDGET = re.compile(_SPEND, re.IGNORECASE)
_BUDGET_SOFT = re.compile(
    _SPEND + r"|\b(?:have|got)\b|\bin total\b|\baltogether\b|\bat most\b|\bup to\b|只有|总共|一共|总计|最多",
    re.IGNORECASE,
)
_BARE = re.compile(
    rf"(?<![\d.])({_AMOUNT})(?![\d.%])(?!\s*(?:[个件种样天周月年%]|items?|products?|units?|pieces?|lines?|days?|weeks?))",
    re.IGNORECASE,
)
_PER_ITEM_AFTER = re.compile(
    r"\s*(?:each|apiece|a piece|an item|per (?:item|unit|piece|product))\b|\s*(?:以内|以下)?(?:一个|每个|一件|每件)",
    re.IGNORECASE,
)
_PER_ITEM_BEFORE = re.compile(
    r"(?:单价|每个|每件|\bper item|\bper unit|\beach)\s*(?:不超过|在|低于|under|below)?\s*$", re.IGNORECASE
)


@dataclass(frozen=True)
class Budget:
    amount: Decimal
    currency: str  # GBP | USD | EUR | CNY, or "" where the message names none (the data's currency then)


@dataclass(frozen=True)
class Fitted:
    budget: Decimal
    items: list[RestockItem]
    total: Decimal
    over_budget: int  # priced, available lines left out because they did not fit


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    return value if value > 0 else None


def _per_item(message: str, start: int, end: int) -> bool:
    return bool(_PER_ITEM_AFTER.match(message, end) or _PER_ITEM_BEFORE.search(message[:start]))


def budget_in(message: str) -> Budget | None:
    """The budget the message states, or None: the first money amount that is not a price per item (when the message
    has a budget word), else a bare number after a strong budget word ("my budget is 30")."""
    if not _BUDGET_SOFT.search(message):
        return None
    for match in _MONEY.finditer(message):
        if _per_item(message, match.start(), match.end()):
            continue
        group, text = next((k, v) for k, v in match.groupdict().items() if v is not None)
        if (amount := _decimal(text)) is not None:
            return Budget(amount, group.split("_", 1)[1])
    if (word := _BUDGET.search(message)) is None:
        return None
    for match in _BARE.finditer(message, word.end()):
        if not _per_item(message, match.start(), match.end()) and (amount := _decimal(match.group(1))) is not None:
            return Budget(amount, "")
    return None


def fit(items: Sequence[RestockItem], budget: Decimal, *, limit: int) -> Fitted:
    """The available, priced lines (at most `limit`) that fit the budget, taken whole in the list's order."""
    chosen: list[RestockItem] = []
    total = Decimal(0)
    over = 0
    for item in items:
        if not item.available or item.unit_price is None:
            continue
        line = item.unit_price * item.quantity
        if total + line > budget:
            over += 1
            continue
        if len(chosen) < limit:
            chosen.append(item)
            total += line
    return Fitted(budget, chosen, total, over)
