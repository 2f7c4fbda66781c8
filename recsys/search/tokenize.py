"""Keyword tokenisation for English and Chinese product text.

Text is NFKC-normalised and lower-cased. Runs of CJK characters are segmented with jieba in search mode (words
plus the shorter words inside them, so 礼品袋 also yields 礼品); other runs are split into letters/digits
(t-light -> t, light), lightly stemmed (plural -s/-es/-ies), stop words (question words among them) dropped and
the number words two to twelve written as digits ("three tiers" and "3 TIER" share the token 3; "one" is left
alone, it is mostly a pronoun).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+")
# Question words too (2026-11-24): "Do you have any discount on the regency cake stand?" made "do" (DO NOT TOUCH
# MY STUFF) and "have" (typo-mapped to HAVEN) catalog words, so no product held every word of it and a customer
# reply showed the Regency Cake Fork. "can" stays: it is a product (WATERING CAN).
_EN_STOP_WORDS = (
    "a an and are as at be by for from in into is it of on or that the to with w i me my our we you your "
    "some any want need looking please buy cheap "
    "do does did have has had there how what much many still get got tell about would could will they them"
)
_ZH_STOP_WORDS = "的 了 和 与 及 或 给 用 在 是 有 要 想 买 找 一些 一个 适合 适用 用于 我 我们 你 请 便宜"
_EN_STOP = frozenset(_EN_STOP_WORDS.split())
_NUMBERS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
_NUMBER_WORDS = {word: str(n) for n, word in enumerate(_NUMBERS, start=2)}
_ZH_STOP = frozenset(_ZH_STOP_WORDS.split())
_jieba_lock = threading.Lock()
_jieba_ready = False


def _jieba() -> object:
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba_ready = True
    return jieba


def stem(word: str) -> str:
    """Plural -> singular, conservatively: lights -> light, boxes -> box, doilies -> doily, glass stays."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _latin(text: str) -> list[str]:
    return [stem(_NUMBER_WORDS.get(w, w)) for w in _WORD.findall(text) if w not in _EN_STOP]


def _chinese(run: str) -> list[str]:
    jieba = _jieba()
    words = jieba.lcut_for_search(run)  # type: ignore[attr-defined]
    return [w for w in words if w.strip() and w not in _ZH_STOP]


def tokenize(text: str) -> list[str]:
    """Keyword tokens of a query or a product text (order kept, duplicates kept)."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    tokens: list[str] = []
    last = 0
    for match in _CJK_RUN.finditer(text):
        tokens.extend(_latin(text[last : match.start()]))
        tokens.extend(_chinese(match.group()))
        last = match.end()
    tokens.extend(_latin(text[last:]))
    return tokens


def has_cjk(text: str) -> bool:
    return bool(_CJK_RUN.search(text or ""))
