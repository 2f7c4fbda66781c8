"""Code-side guards of the chat agent: cross-merchant requests are refused, and numbers in streamed LLM text
must come from the data the turn used (anything else is masked while it streams and reported).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

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
_ORDINAL = re.compile(r"(?:^|\n)\s*$")


def _norm(number: str) -> set[str]:
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
                found.update(_norm(match.group(0)))
            if isinstance(value, float):
                found.update(_norm(f"{value:.2f}"))

    walk(list(values))
    return found


@dataclass
class NumberGuard:
    """Streams text through; a number not found in `allowed` is replaced by MASK and recorded in `problems`.

    Numbers are held back until they are complete, so a masked number is never shown, even for a moment.
    List ordinals ("1. ", "2) ") at the start of a line are allowed.
    """

    allowed: set[str]
    mask: str = "[?]"
    problems: list[str] = field(default_factory=list)
    _pending: str = ""
    _emitted: str = ""

    def feed(self, chunk: str) -> str:
        self._pending += chunk
        cut = len(self._pending)
        tail = re.search(r"\d[\d.,]*$", self._pending)
        if tail is not None:
            cut = tail.start()
        ready, self._pending = self._pending[:cut], self._pending[cut:]
        return self._check(ready)

    def flush(self) -> str:
        ready, self._pending = self._pending, ""
        return self._check(ready)

    def _check(self, text: str) -> str:
        out: list[str] = []
        last = 0
        for match in _NUMBER.finditer(text):
            number = match.group(0).rstrip(".,")
            end = match.start() + len(number)
            out.append(text[last : match.start()])
            before = self._emitted + "".join(out)
            is_ordinal = bool(_ORDINAL.search(before)) and text[end : end + 1] in (".", ")") and len(number) <= 2
            if is_ordinal or _norm(number) & self.allowed:
                out.append(number)
            else:
                self.problems.append(f"number {number} is not in the data")
                out.append(self.mask)
            last = end
        out.append(text[last:])
        result = "".join(out)
        self._emitted += result
        return result

    def run(self, chunks: Iterable[str]) -> Iterator[str]:
        for chunk in chunks:
            piece = self.feed(chunk)
            if piece:
                yield piece
        rest = self.flush()
        if rest:
            yield rest
