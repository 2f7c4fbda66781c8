"""Follow-ups that revise the turn before: "now in Chinese", "make it shorter", "再写一版", "中文的呢？".

The router sees the conversation only as text ("assistant: I drafted 3 variants of a WeChat Moments post"), so a
follow-up lost the product: "now in Chinese" after a post for the rabbit night light routed to a post for three
other products with `max_price: 10` (from the router's own example), still in English. A message that is nothing
but such a request (every word in it is a revision phrase or filler) repeats the last action of the conversation,
with its arguments, in the language asked for or with a shorter length; the router is not asked. A message with
anything else in it ("write another post for the rabbit night light") is routed as usual, in the language it asks
for, if any.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from assistant.agent.actions import AgentAction
from assistant.generators.copy import CHANNELS as COPY_CHANNELS
from assistant.generators.copy import MIN_PROSE

Length = Literal["shorter", "longer"]

# "in Chinese", "用中文", "翻译成英文": a language asked for, whatever else the message says
_ASKED_LANG = {
    "zh": re.compile(
        r"\b(?:in|into|to)\s+chinese\b|\bchinese\s+(?:version|please)\b|(?:用|换成|翻译成|改成|写成)(?:中文|汉语)"
    ),
    "en": re.compile(
        r"\b(?:in|into|to)\s+english\b|\benglish\s+(?:version|please)\b|(?:用|换成|翻译成|改成|写成)(?:英文|英语)"
    ),
}
# a bare "中文" / "english": a language only in a message that asks for nothing else ("中文的呢？"); "有没有英文说明书"
# and "chinese lanterns" are not
_BARE_LANG = {"zh": re.compile(r"chinese|中文|汉语"), "en": re.compile(r"english|英文|英语")}
_LENGTH: dict[Length, re.Pattern[str]] = {
    "shorter": re.compile(
        r"\bshorter\b|\bshorten\b|\btoo\s+long\b|\bmore\s+concise\b|\bbrief(?:er)?\b|短一[点些]|简短|精简|太长了?|简洁一?[点些]?"
    ),
    "longer": re.compile(r"\blonger\b|\bmore\s+detail(?:s|ed)?\b|\btoo\s+short\b|长一[点些]|详细一?[点些]?|太短了?"),
}
_AGAIN = re.compile(
    r"\banother\s+(?:one|version|variant|try)\b|\banother\b|\bagain\b|\bre-?write\b|\bredo\b|\bmore\s+(?:options|variants|versions)\b"
    r"|\bdifferent\s+(?:ones?|versions?)\b|换一[个条批版种]|再(?:写|来|出)一?[个条批版遍次]?|重写|重新写"
)
# What may stand beside a revision phrase in a message that asks for nothing else.
_FILLER = re.compile(
    r"\b(?:please|pls|now|and|but|then|it|that|this|them|those|one|ones|version|make|do|write|give|me|us|can|could|"
    r"would|you|a|an|the|same|thing|again|also|too|bit|little|lot|much|more|ok|okay|thanks|reply|post|"
    r"copy|list|answer|instead)\b"
    r"|请|麻烦|帮我|给我|一下|吧|呢|吗|的|了|再|也|把|它|这个|那个|一版|一个|一条|版本|回复|文案|写|来|改|换|用|成|版|点|些"
    r"|[\s,.!?;:，。！？；：、…~'\"“”‘’()（）-]"
)
REVISABLE = (
    "draft_copy",
    "draft_reply",
    "restock_list",
    "search_catalog",
    "product_details",
    "sales_summary",
)
LENGTH_REVISABLE = ("draft_copy",)  # the reply generator has no length setting; the other actions write no prose


@dataclass(frozen=True)
class Revision:
    lang: str | None = None
    length: Length | None = None
    again: bool = False
    pure: bool = False  # the message asks for nothing but the revision


def revision_of(message: str) -> Revision | None:
    """What the message asks to change about the previous turn, or None when it asks for no such change."""
    text = message.strip().lower()
    asked = next((code for code, pattern in _ASKED_LANG.items() if pattern.search(text)), None)
    bare = next((code for code, pattern in _BARE_LANG.items() if pattern.search(text)), None)
    length = next((name for name, pattern in _LENGTH.items() if pattern.search(text)), None)
    again = bool(_AGAIN.search(text))
    rest = text
    for pattern in (*_ASKED_LANG.values(), *_BARE_LANG.values(), *_LENGTH.values(), _AGAIN, _FILLER):
        rest = pattern.sub(" ", rest)
    pure = not rest.strip()
    lang = asked or (bare if pure else None)
    if lang is None and length is None and not again:
        return None
    return Revision(lang=lang, length=length, again=again, pure=pure)


def revised_action(revision: Revision, previous: dict[str, Any] | None) -> AgentAction | None:
    """The previous turn's action redone as the revision asks, or None when the message must be routed."""
    if not revision.pure or not previous:
        return None
    fields = dict(previous.get("action") or {})
    name = fields.get("action")
    if name not in REVISABLE:
        return None
    if revision.lang is None and name not in LENGTH_REVISABLE and name != "draft_reply":
        return None  # "again" / "shorter" for a list or a search: nothing to redo differently
    action = AgentAction.model_validate(fields)
    if revision.length == "shorter" and name in LENGTH_REVISABLE:
        action.max_chars = shorter_limit(previous.get("events") or [])
    elif revision.length == "longer" and name in LENGTH_REVISABLE:
        action.max_chars = None  # back to the channel's own limit
    if revision.lang and action.max_chars and name in LENGTH_REVISABLE:
        action.max_chars = limit_in_language(action, previous, revision.lang)
    return action


def limit_in_language(action: AgentAction, previous: dict[str, Any], lang: str) -> int | None:
    """A length the owner set for a copy in one language, for the same copy in `lang`: scaled by the channel's two
    limits, within the new one and leaving MIN_PROSE[lang] after the offer line. In probes an English 89-character
    SMS redone in Chinese kept 89 (a Chinese SMS holds 70), and a Chinese 45 kept 45 in English, where only the
    stock lines fitted."""
    spec, before = COPY_CHANNELS.get(action.channel, {}), str(previous.get("lang") or "")
    if action.max_chars is None or lang not in spec or before not in spec or before == lang:
        return action.max_chars
    scaled = round(action.max_chars * int(spec[lang]) / int(spec[before]))
    sizes = _draft_sizes(previous.get("events") or [])
    least = (sizes[1] if sizes else 0) + MIN_PROSE[lang]  # the offer line, then the least copy
    return min(int(spec[lang]), max(scaled, least))


def _draft_sizes(events: list[dict[str, Any]]) -> tuple[int, int] | None:
    """(the longest prose, the offer line with its line break) of the previous turn's copy variants."""
    for event in events:
        if event.get("event") != "copy_variants":
            continue
        variants = [v for v in event.get("data", {}).get("variants", []) if isinstance(v, dict)]
        if not variants:
            return None
        prose = max(len(str(v.get("prose", ""))) for v in variants)
        line = max(len(str(v.get("text", ""))) - len(str(v.get("prose", ""))) for v in variants)
        return prose, line
    return None


def shorter_limit(events: list[dict[str, Any]]) -> int | None:
    """A total length (offer line included) that asks for about 60% of the previous draft's longest prose."""
    sizes = _draft_sizes(events)
    if sizes is None:
        return None
    prose, line = sizes
    return line + max(20, int(prose * 0.6))
