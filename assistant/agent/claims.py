"""The chat commentary's claim filter: the model's streamed words pass sentence by sentence, and a sentence that
states what the turn's data cannot support is dropped before the owner sees it (and recorded).

Real turns (`s2b eval chat`, evals/chat/cases.yaml) said "Yes, the popcorn holder comes in several colors,
including white, black, and red." (the catalog has no colours), "These items have the highest demand and are
likely to sell out soon", "It is currently out of stock" (S publishes no stock figure), "兔子夜灯的批发价是 2.08 元"
(a GBP price) and listed "库存为空". Rules, each allowed when the turn's data uses the word (a title
with PINK, a stock figure in the facts), never because the owner's question did ("do they come in other colours?"):
- stock: S's stock, when no stock figure is among the facts;
- demand: how much consumers want a product (high demand, 热销, 抢手 ...), which no fact here measures, and
  selling out;
- currency: a price in another currency than the data's ("兔子夜灯的批发价是 2.08 元" for a GBP price);
- attributes: colours, sizes, materials, batteries, "handcrafted" and the like, which S's catalog holds only in
  titles;
- amounts: how much to order, sized in words ("A large quantity of paper chain kits (22086)" for a suggested
  quantity of 1, a real restock turn, 2026-11-24): the table's quantities come from the recommender, and which is
  largest from code (a restock turn's `largest_quantity` fact), never the model's reading ("the largest quantity of
  items" for a suggested quantity of 1, a real restock turn);
- promises: what the assistant says it will do later ("I'll check my inventory ..."): nothing runs after the turn;
- repeats: a sentence (or list line) the model already wrote, ignoring list numbers, or the owner's own message
  spoken back as the assistant's ("I have 500 pounds to spend on restocking.");
- numbers: a number that is not in the turn's data (given `allowed_numbers`): the whole sentence goes, where the
  number guard alone showed "纸链套装的价格是 [?] 元。";
- numbers about another product: a number in a sentence that names a catalog product (given `catalog_titles`: all
  of a title's words) which the turn's data does not hold. A real sales turn answered "How many rabbit night
  lights did I buy last time?" with "You bought 25 rabbit night lights last time.": 25 was the day's WRAP RED
  APPLES, and the rabbit night light was nowhere in the data;
- lead-ins: what the model says it went by ("Based on the FACTS, ...", "Based on the current stock, ...") is cut and
  the rest checked; a sentence that still talks about the prompt's FACTS ("I understand that there are no specific
  products mentioned in the FACTS.") goes, and so does the prompt's help list on a turn that found data;
- language (given `lang`): in a Chinese answer an English word, in an English one Chinese characters, that
  neither the data (product titles are English) nor the owner's message holds: "您应该 reorder ...".
Streaming becomes sentence by sentence; the data-written lead still goes out at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from assistant.agent.guard import number_forms
from assistant.attributes import unsupported_attribute
from assistant.grounding import STOCK_CLAIM
from assistant.language import CJK_RUN
from recsys.search.tokenize import stem

# a sentence ends after 。！？!? (and closing quotes), after "." or "…" followed by a space, or at a line break;
# "0.42", "e.g" and a list's "1. " stay inside their sentence
_END = re.compile(r"(?:[。！？!?]+[”\"’)）]*|[.…]+[”\"’)）]*(?=\s))\s*|\n+")
_JUST_ORDINAL = re.compile(r"\s*\d{1,2}[.)]\s*")  # "1. " alone is a list number, not a sentence
_DEMAND = re.compile(
    r"\b(?:high|higher|highest|strong|great|huge|growing) demand\b|\bin demand\b|\bmost popular\b"
    r"|\bpopular (?:item|items|product|products|choice|with)\b|\bselling (?:fast|well|quickly)\b|\btrending\b"
    r"|热销|畅销|抢手|供不应求|爆款|受欢迎",
    re.IGNORECASE,
)
_AMOUNT = re.compile(
    r"\b(?:large|big|huge|small|generous|modest|good) (?:quantit(?:y|ies)|amounts?|numbers?|batch(?:es)?) of\b"
    r"|\b(?:lots|plenty|a lot) of\b|\ba (?:few|couple of|handful of)\b|\bin bulk\b|大量|少量|大批|多囤|多进|少进"
    r"|\bthe (?:large|big|huge|high|small|low) (?:quantit(?:y|ies)|amounts?|volumes?)\b",
    re.IGNORECASE,
)
# Which line is largest: true only of the product the data ranks first (`ranked_first`: a restock turn's
# `largest_quantity`, a sales turn's first `top_products`), and only in a sentence that names it. A real restock
# answer called a quantity-1 line "the largest quantity of items"; a real sales answer, "The most units sold were the
# Victorian Metal Postcard Spring (576)", was right.
_RANKED_AMOUNT = re.compile(
    r"\b(?:largest|biggest|highest|greatest|smallest|lowest) (?:quantit(?:y|ies)|amounts?|volumes?|units)\b"
    r"|\bthe most units\b|\bthe (?:largest|biggest|highest|smallest) number of (?:units|items|pieces)\b"
    r"|数量最多|数量最大|最大(?:的)?数量|进货量最大|最多的数量",
    re.IGNORECASE,
)
# What the assistant says it will do after the turn: nothing runs after it (a real budget turn: "I'll check my
# inventory and see what I can get for under that budget.")
_PROMISE = re.compile(
    r"\b(?:I'll|I will|I'm going to|let me|I can) (?:check|look into|find out|get back|contact|call|email|order"
    r"|place|reserve|update you|keep you posted|see what)\b|我(?:会|来|去|这就|马上)(?:帮您|帮你|为您|给您)?"
    r"(?:查|核实|确认|联系|下单|订|预订|看看|了解)|稍后(?:回复|通知|告诉)",
    re.IGNORECASE,
)
_SELL_OUT = re.compile(r"\bsells? out\b|\bsold out\b|\bselling out\b|卖光|售罄|卖断货", re.IGNORECASE)
# the markers of each currency in text; a price in another currency than the turn's data is a wrong price
_CURRENCIES = {
    "GBP": re.compile(r"£|\bGBP\b|英镑|镑|\bpounds?\b|\bpence\b", re.IGNORECASE),
    "USD": re.compile(r"(?<![A-Z])\$|\bUSD\b|美元|\bdollars?\b", re.IGNORECASE),
    "EUR": re.compile(r"€|\bEUR\b|欧元|\beuros?\b", re.IGNORECASE),
    "CNY": re.compile(r"[¥￥]|\bRMB\b|\bCNY\b|人民币|(?<=\d)\s?(?:元|块)|\byuan\b", re.IGNORECASE),
}
_ORDINAL = re.compile(r"^\s*(?:\d{1,2}[.)、]|[-*•])\s*")
_LIST_NUMBER = re.compile(r"^(\s*)(\d{1,2})([.)、]\s*)(?=\S)")  # "2. JUMBO BAG…": a list item's own number
_NOT_WORD = re.compile(r"[\W_]+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
# A lead-in that says what the model went by ("Based on the FACTS, ...", "Based on the current stock and total value,
# ...", "根据 FACTS，...": real answers, 2026-11-24) is cut, and the rest of the sentence is checked as usual: the
# prompt's label or a stock the turn has no figure for is no reason to lose "you should restock the POPCORN HOLDER,
# which has the largest quantity of 6 units". A lead-in has no comma of its own and ends at the first one.
_LEAD_IN = re.compile(
    r"(?:based on|according to|going by|looking at|judging by|from|per) [^,.!?;:\n]{1,60}?\s*[,:]\s*"
    r"|(?:根据|按照|依据|从)[^，,。！？；：:\n]{1,30}?(?:来看|中|里|上)?\s*[，,：:]\s*",
    re.IGNORECASE,
)
# A short interjection before a lead-in stays: "好的，根据你的预算和库存，我建议你补货以下商品：" (a real zh budget
# answer, where the lead-in said the list went by the owner's stock)
_INTERJECTION = re.compile(
    r"(?:好的|好|嗯|当然|没问题|OK|Okay|Sure|Certainly|Great|Alright|Of course)\s*[,，!！]\s*", re.IGNORECASE
)
# A sentence that still talks about the prompt's FACTS is about the prompt, not the shop: "Thank you for providing the
# facts. I understand that there are no specific products mentioned in the FACTS." (a real answer to "thanks")
_ABOUT_THE_PROMPT = re.compile(
    r"\b(?:providing|provided|gave|giving|give) (?:me )?(?:the |these |those )?facts\b", re.IGNORECASE
)
_PROMPT_LABEL = re.compile(r"\bFACTS\b")  # the label as the prompt writes it
# The answer prompt's list of what the assistant can do, for a turn with no data: on a turn that found something it
# ignores what is on screen ("请告诉我您需要什么帮助，比如补货单、找商品、商品详情、…" under six Mother's Day products,
# s2b eval chat, 2026-11-24). Three of its items in one sentence are the list.
_HELP_ITEMS = re.compile(
    r"restock lists?|finding products|product details|(?:the shop's own )?sales|marketing copy|replies to customers"
    r"|补货单|找商品|商品详情|销售情况|营销文案|回复顾客",
    re.IGNORECASE,
)
_HELP_LIST_MIN = 3
# a sentence whose letters, at least this many, are all in the owner's message is the owner's voice: "Great! I have
# 500 pounds to spend on restocking." answered "I have 500 pounds to spend on restocking" (a real turn)
_ECHO_MIN = 16


def title_words(text: str) -> frozenset[str]:
    """The words of three letters or more, lower-cased and singular ("Rabbit Night Lights" -> rabbit, night, light)."""
    return frozenset(stem(word) for word in _LATIN_WORD.findall(text.lower()))


@lru_cache(maxsize=4)
def _title_index(titles: frozenset[str]) -> tuple[tuple[str, frozenset[str]], ...]:
    """The catalog titles of two words or more with their words: built once per catalog (`catalog_index` hands the
    same frozenset to every turn for a minute), not once per chat turn (about 9 ms for the demo's 3,704 titles)."""
    pairs = ((title, title_words(title)) for title in titles)
    return tuple((title, words) for title, words in pairs if len(words) >= 2)  # shared by turns: read-only


def ranked_first(facts: Mapping[str, Any]) -> list[str]:
    """The titles a turn's facts rank first by quantity: a restock list's largest line, a period's most-ordered
    product (assistant.agent.tools writes both)."""
    largest = facts.get("largest_quantity")
    top = facts.get("top_products")
    titles = [largest.get("title") if isinstance(largest, dict) else None]
    titles.append(top[0].get("title") if isinstance(top, list) and top and isinstance(top[0], dict) else None)
    return [str(title) for title in titles if title]


def _demand_key(phrase: str) -> str:
    """What the data must say for a demand phrase to stand: "popular" (a restock reason) for the popular ones."""
    return "popular" if "popular" in phrase.lower() else phrase.lower()


def _without_lead_in(sentence: str) -> str:
    """The sentence without a lead-in that says what the model went by, its next letter capitalised unless an
    interjection ("Sure, ", "好的，") comes first."""
    body = _ORDINAL.sub("", sentence).lstrip()
    interjection = _INTERJECTION.match(body)
    start = interjection.end() if interjection else 0
    lead = _LEAD_IN.match(body, start)
    if lead is None:
        return sentence
    head = sentence[: len(sentence) - len(body) + start]
    rest = body[lead.end() :]
    if not rest.strip():
        return ""
    return head + (rest if interjection else rest[:1].upper() + rest[1:])


def split_sentences(buffer: str) -> tuple[list[str], str]:
    """(the complete sentences at the start of `buffer`, the unfinished rest)."""
    sentences, start = [], 0
    for match in _END.finditer(buffer):
        if match.end() == len(buffer) and not match.group(0).endswith(("\n", " ", "\t")) and match.group(0)[0] == ".":
            break  # "." at the very end: a decimal point or a sentence end, the next chunk tells
        if _JUST_ORDINAL.fullmatch(buffer[start : match.end()]):
            continue  # the list number stays with its line
        sentences.append(buffer[start : match.end()])
        start = match.end()
    return sentences, buffer[start:]


def _repeat_key(sentence: str) -> str:
    return _NOT_WORD.sub("", _ORDINAL.sub("", sentence).lower())


@dataclass
class ClaimFilter:
    """`known`: everything the turn's data says (lower-cased), not the owner's question; `stock_known`: a stock
    figure is among the facts; `currencies`: the codes its prices are in (none: currencies are not checked);
    `allowed_numbers`: the numbers it holds (guard.numbers_in); `lang`: the answer's language (zh|en; empty: not
    checked) and `asked`: the owner's message, whose words the answer may use in either language."""

    known: str
    stock_known: bool
    currencies: frozenset[str] = frozenset()
    allowed_numbers: set[str] | None = None  # None: numbers are not checked here
    lang: str = ""
    asked: str = ""
    catalog_titles: Collection[str] = ()  # empty: numbers are not bound to products
    ranked_titles: Collection[str] = ()  # `ranked_first` of the turn's facts: which line may be called the largest
    found_data: bool = False  # the turn's action found something to show: the help list is not the answer
    dropped: list[str] = field(default_factory=list)
    number_problems: list[str] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)
    _titles: tuple[tuple[str, frozenset[str]], ...] = ()
    _ranked: list[frozenset[str]] = field(default_factory=list)
    _asked_key: str = ""
    _dropped_items: int = 0  # list items of the current list held back (`_shown`)

    def __post_init__(self) -> None:
        self._titles = _title_index(frozenset(self.catalog_titles))
        self._ranked = [words for title in self.ranked_titles if (words := title_words(title))]
        self._asked_key = _repeat_key(self.asked)

    def _absent_product(self, sentence: str) -> str | None:
        """The catalog product a sentence that states a number names, when the turn's data holds none it names."""
        body = _ORDINAL.sub("", sentence)
        if not self._titles or not _NUMBER.search(body):
            return None
        named = [title for title, _ in self._titles_in(title_words(body))]
        if not named or any(self._holds(title) for title in named):
            return None
        return min(named, key=len)

    def _names_the_first(self, sentence: str) -> bool:
        """Whether the sentence names a product the turn's data ranks first by quantity (all its title's words), and
        no other catalog product: "the largest quantity, which are the popcorn holder and the rabbit night light"
        (a real budget turn) called a 2-unit line one of the largest."""
        words = title_words(sentence)
        if not any(ranked <= words for ranked in self._ranked):
            return False
        return all(any(needed <= ranked for ranked in self._ranked) for _, needed in self._titles_in(words))

    def _titles_in(self, words: frozenset[str]) -> list[tuple[str, frozenset[str]]]:
        """The catalog titles (of two words or more), with their words, all of whose words are among `words`."""
        return [(title, needed) for title, needed in self._titles if needed <= words]

    def _holds(self, title: str) -> bool:
        """Whether the turn's data names the product (`known` is JSON text: a title's quotes are escaped there)."""
        lower = title.lower()
        return lower in self.known or json.dumps(lower, ensure_ascii=False)[1:-1] in self.known

    def _invented_numbers(self, sentence: str) -> list[str]:
        if self.allowed_numbers is None:
            return []
        body = _ORDINAL.sub("", sentence)  # a list's "2. " is not a claim
        numbers = (m.group(0).rstrip(".,") for m in _NUMBER.finditer(body))
        return [n for n in numbers if not number_forms(n) & self.allowed_numbers]

    def problem(self, sentence: str) -> str | None:
        """Why the sentence may not be shown, or None."""
        if invented := self._invented_numbers(sentence):
            self.number_problems.extend(f"number {n} is not in the data" for n in invented)
            return f"number {invented[0]} is not in the data"
        if product := self._absent_product(sentence):
            self.number_problems.append(f"a number about {product!r}, which the data does not hold")
            return f"a number about {product!r}, which the data does not hold"
        if not self.stock_known and (match := STOCK_CLAIM.search(sentence)):
            return f"S's stock ({match.group(0)!r}) is not among the facts"
        if (match := _DEMAND.search(sentence)) and _demand_key(match.group(0)) not in self.known:
            return f"demand ({match.group(0)!r}) is not among the facts"
        if match := _SELL_OUT.search(sentence):
            return f"selling out ({match.group(0)!r}) is not among the facts"
        if (match := _AMOUNT.search(sentence)) and match.group(0).lower() not in self.known:
            return f"an amount in words ({match.group(0)!r}): the quantities come from the data"
        if (match := _RANKED_AMOUNT.search(sentence)) and not self._names_the_first(sentence):
            return f"an amount in words ({match.group(0)!r}): the quantities come from the data"
        if match := _PROMISE.search(sentence):
            return f"a promise to act later ({match.group(0)!r}): the turn ends with this answer"
        if wrong := self._other_currency(sentence):
            return f"a price in {wrong}, but the data's prices are in {', '.join(sorted(self.currencies))}"
        if word := unsupported_attribute(sentence, self.known):
            return f"the product's {word!r} is not among the facts"
        if self.found_data and len({m.group(0).lower() for m in _HELP_ITEMS.finditer(sentence)}) >= _HELP_LIST_MIN:
            return "the help list on a turn that found data"
        if (match := _PROMPT_LABEL.search(sentence)) or (match := _ABOUT_THE_PROMPT.search(sentence)):
            return f"talk about the prompt ({match.group(0)!r}), not the shop"
        if foreign := self._other_language(sentence):
            return f"{foreign!r} is not in the answer's language ({self.lang})"
        key = _repeat_key(sentence)
        if key and key in self._seen:
            return "a repeat of an earlier sentence"
        if len(key) >= _ECHO_MIN and key in self._asked_key:
            return "the owner's own words, as if the assistant said them"
        self._seen.add(key)
        return None

    def already_said(self, text: str) -> None:
        """Sentences shown before the model's (the data's own text): the model restating them is a repeat. A
        Chinese restock turn showed "您的补货单共 10 个商品，合计 37.55 GBP。" twice: from code, then from the
        model."""
        sentences, rest = split_sentences(text)
        self._seen.update(key for key in map(_repeat_key, [*sentences, rest]) if key)

    def _other_language(self, sentence: str) -> str | None:
        """A word in the other language that neither the data nor the owner's message holds."""
        pattern = {"zh": _LATIN_WORD, "en": CJK_RUN}.get(self.lang)
        if pattern is None:
            return None
        asked = self.asked.lower()
        for match in pattern.finditer(sentence):
            word = match.group(0).lower()
            if not any(re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", text) for text in (self.known, asked)):
                return match.group(0)
        return None

    def _other_currency(self, sentence: str) -> str | None:
        """A currency the sentence prices in that none of the turn's data uses (only when the data names one)."""
        if not self.currencies:
            return None
        others = (c for c, marker in _CURRENCIES.items() if c not in self.currencies and marker.search(sentence))
        return next(others, None)

    def _pass(self, sentence: str) -> str:
        sentence = _without_lead_in(sentence)
        reason = self.problem(sentence)
        if reason is None:
            return sentence
        self.dropped.append(f"{reason}: {sentence.strip()!r}")
        return ""

    def _shown(self, sentence: str) -> str:
        """What the owner sees of `sentence`: `_pass`, with a kept list item's number less the items of its list
        held back before it, so a list whose first line was dropped reads "1. …" rather than starting at "2." (a
        "1." starts a new list; a list the model numbered its own way stays as written when nothing is dropped)."""
        held_back = len(self.dropped)
        kept = self._pass(sentence)
        match = _LIST_NUMBER.match(sentence)
        if match is None:
            return kept
        number = int(match.group(2))
        if number == 1:
            self._dropped_items = 0
        if len(self.dropped) > held_back:
            self._dropped_items += 1
            return kept
        shown = _LIST_NUMBER.match(kept)
        if shown is None or self._dropped_items == 0 or number <= self._dropped_items:
            return kept
        return f"{shown.group(1)}{number - self._dropped_items}{shown.group(3)}{kept[shown.end() :]}"

    def run(self, chunks: Iterable[str]) -> Iterator[str]:
        buffer, line_start = "", True
        for chunk in chunks:
            sentences, buffer = split_sentences(buffer + chunk)
            for sentence in sentences:
                if shown := self._line_kept(sentence, line_start):
                    line_start = shown.rstrip(" \t").endswith("\n")
                    yield shown
        if buffer.strip() and (shown := self._line_kept(buffer, line_start)):
            yield shown

    def _line_kept(self, sentence: str, line_start: bool) -> str:
        """`_shown`, or the line break a held-back sentence ended with when the text shown so far is mid-line:
        "Certainly! The products … include:\n- PARTY INVITES…" must not read "Certainly! - PARTY INVITES…"."""
        if kept := self._shown(sentence):
            return kept
        return "\n" if not line_start and sentence.rstrip(" \t").endswith("\n") else ""
