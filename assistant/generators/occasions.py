"""Occasions a marketing theme names, and the catalog words that fit each.

A theme like "母亲节" finds little by meaning in an English catalog (its nearest titles were MUM'S KITCHEN CLOCK and
two birthday cards, cosine 0.40-0.42 alike), and "Mother's Day" shares "day" with CARD WEDDING DAY. The words here
are what a product made for the occasion says in its title; `occasion_words` gives them for a theme.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# occasion -> (what names it in a theme, English or Chinese; the title words of products made for it)
OCCASIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "mothers_day": (r"mother'?s'? day|mothering sunday|mum'?s day|母亲节|妈妈", ("mother", "mothers", "mum", "mums")),
    "fathers_day": (r"father'?s'? day|dad'?s day|父亲节|爸爸", ("father", "fathers", "dad", "dads")),
    "valentines_day": (r"valentine|情人节|520", ("valentine", "heart", "hearts", "love")),
    "christmas": (r"christmas|xmas|圣诞", ("christmas", "xmas", "santa", "reindeer", "snowflake")),
    "halloween": (r"halloween|万圣", ("halloween", "ghost", "witch", "pumpkin", "skull")),
    "easter": (r"easter|复活节", ("easter", "bunny", "rabbit", "egg", "eggs", "chick", "chicks")),
    "wedding": (r"wedding|婚礼|结婚", ("wedding", "bride", "love")),
    "birthday": (r"birthday|生日", ("birthday", "party", "cake", "candles")),
    "baby": (r"baby shower|new baby|满月|宝宝", ("baby", "babies")),
    "new_year": (r"new year|新年|春节|元旦", ("new year",)),
}
_NAMES = {key: re.compile(pattern, re.IGNORECASE) for key, (pattern, _) in OCCASIONS.items()}


def occasion_words(theme: str) -> list[str]:
    """The title words of the occasions `theme` names ("母亲节" -> mother, mothers, mum, mums); none for others."""
    words: list[str] = []
    for key, (_, fitting) in OCCASIONS.items():
        if _NAMES[key].search(theme):
            words.extend(w for w in fitting if w not in words)
    return words


def occasion_in(text: str) -> str | None:
    """The first occasion `text` names, as it names it ("帮我写一条母亲节的朋友圈文案" -> "母亲节"); None if none."""
    spans = [m for m in (pattern.search(text) for pattern in _NAMES.values()) if m]
    return min(spans, key=lambda m: m.start()).group(0) if spans else None


def fits(title: str, words: Iterable[str]) -> bool:
    """Whether a product title holds one of the occasion's words (as whole words: "mum" is not "MUMBLE")."""
    return any(re.search(rf"\b{re.escape(word)}\b", title, re.IGNORECASE) for word in words)


# Title words that tie a product to one season's holiday: such a product fits only a theme naming that holiday.
# ("summer garden party" found PARTY CONE CHRISTMAS DECORATION past the relevance gate.) Words shared with other
# themes ("heart", "love", "rabbit", "party") tie nothing.
SEASONAL_WORDS: dict[str, tuple[str, ...]] = {
    "christmas": ("christmas", "xmas", "santa", "reindeer", "advent", "nativity"),
    "halloween": ("halloween", "witch", "pumpkin"),
    "easter": ("easter",),
    "valentines_day": ("valentine", "valentines"),
}


def out_of_season(title: str, theme: str) -> bool:
    """Whether `title` ties its product to a holiday `theme` does not name ("CHRISTMAS" for a summer party)."""
    return any(not _NAMES[key].search(theme) and fits(title, words) for key, words in SEASONAL_WORDS.items())


_CN_DIGITS = "零一二三四五六七八九"


def _chinese_number(digits: str) -> str:
    """11 -> 十一, 20 -> 二十; longer numbers digit by digit, as they are read: 618 -> 六一八, 2027 -> 二零二七."""
    if len(digits) == 2 and digits[0] != "0":
        tens = "" if digits[0] == "1" else _CN_DIGITS[int(digits[0])]
        return tens + "十" + ("" if digits[1] == "0" else _CN_DIGITS[int(digits[1])])
    return "".join(_CN_DIGITS[int(d)] for d in digits)


def writable_occasion(theme: str, lang: str) -> str:
    """The occasion as the model can write it: the decoder writes no digits (assistant.generators.schema), so
    "双11" would come out as "双 " ("双 月圆" in a real copy). Chinese keeps the number in Chinese numerals (双十一);
    English leaves it out ("New Year 2027" -> "New Year")."""
    if lang == "zh":
        return re.sub(r"\d+", lambda m: _chinese_number(m.group(0)), theme)
    return " ".join(re.sub(r"\d+", " ", theme).split())
