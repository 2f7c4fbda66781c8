"""Code-side guards of the chat agent: cross-merchant requests are refused; the numbers a turn's data holds (what
assistant.agent.claims lets the model's sentences state); decoding loops are stopped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from assistant.grounding import repeated_words

_ID_WORDS = (
    r"merchant|customer|account|shop|store|seller|tenant|client|user|"
    r"商户|商家|店铺|店家|客户|账号|账户|用户"
)
_OTHER_ID = re.compile(
    rf"(?<![A-Za-z])(?:{_ID_WORDS})\s*(?:_?id|ID|no\.?|number|号|编号)?\s*[:#：=＃]?\s*([A-Za-z0-9_-]*\d[A-Za-z0-9_-]*)",
    re.IGNORECASE,
)
_ALL_MERCHANTS = re.compile(
    r"\b(?:all|other|another|every|others')\s+(?:merchants?|shops?|stores?|sellers?|tenants?|accounts?)\b|"
    r"(?:所有|其他|其它|别的|别家|全部)(?:的)?(?:商户|商家|店铺|店家|账号|客户)",
    re.IGNORECASE,
)

REFUSALS = {
    "en": "I can only work with your own shop's data, so I can't show or act on another merchant's orders or lists. "
    "Ask me about your own restock list, products or sales instead.",
    "zh": "我只能使用您自己店铺的数据，无法查看或操作其他商户的订单和清单。您可以问我自己的补货单、商品或销售情况。",
}


def asks_for_other_merchant(message: str, own_merchant_id: str) -> str | None:
    """The reason to refuse when the message asks about a merchant other than the caller's, else None."""
    for match in _OTHER_ID.finditer(message):
        if match.group(1).strip().upper() != own_merchant_id.upper():
            return f"mentions merchant {match.group(1)!r}"
    if _ALL_MERCHANTS.search(message):
        return "asks about other merchants"
    return None


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def number_forms(number: str) -> set[str]:
    """Equivalent spellings: 1,234.50 -> {1234.50, 1234.5}; 12 -> {12}."""
    plain = number.replace(",", "")
    forms = {plain}
    if "." in plain:
        stripped = plain.rstrip("0").rstrip(".")
        forms.add(stripped or "0")
    return forms


def numbers_in(values: Iterable[Any]) -> set[str]:
    """Every number spelled anywhere in the given values (recursing into dicts and lists)."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple | set):
            for item in value:
                walk(item)
        elif value is not None and not isinstance(value, bool):
            text = str(value)
            for match in _NUMBER.finditer(text):
                found.update(number_forms(match.group(0)))
            if isinstance(value, float):
                found.update(number_forms(f"{value:.2f}"))

    walk(list(values))
    return found


LOOP_WINDOW = 400  # characters of the newest text searched for a decoding loop


def until_loop(chunks: Iterable[str], stops: list[str]) -> Iterator[str]:
    """Pass streamed text through until it starts repeating itself (a decoding loop of a small model: "#petgifts
    #petgifts #petgifts ..."), then stop and record why in `stops`; stopping also ends the generation upstream."""
    seen = ""
    for chunk in chunks:
        seen = (seen + chunk)[-LOOP_WINDOW:]
        if looped := repeated_words(seen):
            stops.append(f"stopped a decoding loop ({looped!r} over and over)")
            return
        yield chunk
