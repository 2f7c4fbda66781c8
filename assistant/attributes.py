"""Product attributes a text may claim only where the data says them: colours, materials, sizes, batteries,
"handmade" and the like, which S's catalog holds only in titles. Used by the chat's claim filter and by the
generators' grounding check (a real reply: "The popcorn holder comes in other colors." for a catalog with no
colours).
"""

from __future__ import annotations

import re

ATTRIBUTE_EN = re.compile(
    r"\b(?:black|white|red|green|blue|yellow|pink|purple|orange|grey|gray|brown|gold|golden|silver|ivory|cream"
    r"|beige|turquoise|colou?rs?|colou?rful|wood|wooden|metal|glass|ceramic|porcelain|plastic|cotton|linen|steel"
    r"|bamboo|leather|wool|silk|batter(?:y|ies)|usb|led|rechargeable|waterproof|dishwashers?(?:[- ]safe)?|sizes?"
    r"|materials?|indoor|outdoor|handmade|hand-?crafted|eco-friendly|organic"
    # fabrics (a real copy variant, 2026-11-24: a lunch bag "made from vintage doily fabric")
    r"|fabrics?|canvas|jute|velvet|denim|polyester|nylon"
    # parts and features: the final chat run of 2026-11-22 gave the popcorn holder "a built-in filter" and "a
    # removable lid"; the catalog's titles name such parts where a product has them ("CAKE TIN WITH LID")
    r"|built-in|removable|detachable|adjustable|fold(?:able|ing)|collapsible|reusable|washable|non-slip|stackable"
    r"|lids?|filters?|zip(?:per)?s?|magnetic|microwaves?(?:[- ]safe)?|oven(?:[- ]safe|proof)?|machine[- ]washable)\b",
    re.IGNORECASE,
)
ATTRIBUTE_ZH = {
    "黑色": "black", "白色": "white", "红色": "red", "绿色": "green", "蓝色": "blue", "黄色": "yellow",
    "粉色": "pink", "粉红": "pink", "紫色": "purple", "橙色": "orange", "灰色": "grey", "棕色": "brown",
    "金色": "gold", "银色": "silver", "颜色": "colour", "多色": "colour", "彩色": "colour", "木质": "wood",
    "木制": "wood", "实木": "wood", "金属": "metal", "玻璃": "glass", "陶瓷": "ceramic", "塑料": "plastic",
    "纯棉": "cotton", "不锈钢": "steel", "竹制": "bamboo", "皮革": "leather", "电池": "batter", "充电": "recharge",
    "防水": "waterproof", "尺寸": "size", "材质": "material", "手工": "hand", "户外": "outdoor", "环保": "eco",
    "内置": "built-in", "可拆卸": "removable", "可调节": "adjustable", "可折叠": "fold", "可重复使用": "reusable",
    "可水洗": "washable", "防滑": "non-slip", "盖子": "lid", "带盖": "lid", "过滤": "filter", "拉链": "zip",
    "磁性": "magnetic", "可微波": "microwave", "微波炉": "microwave", "烤箱": "oven", "机洗": "washable",
    # care (a real reply, 2026-11-24: "这个午餐袋可以用洗碗机洗" for a question the catalog cannot answer)
    "洗碗机": "dishwasher", "洗衣机": "washable", "烘干机": "dryer", "布料": "fabric", "帆布": "canvas", "麻布": "jute",
    "智能": "smart",  # a real SMS variant called the rabbit night light "智能照明灯，智能灯泡" (a smart bulb)
}  # fmt: skip
ATTRIBUTE_ZH_WORDS = re.compile("|".join(sorted(ATTRIBUTE_ZH, key=len, reverse=True)))
# "colourful" describes a product whose title names a colour or a print ("a colorful Jumbo Bag Pink Polkadot" was
# flagged in one s2b eval generate run): backed by any of these in the title
_COLOURFUL = re.compile(r"\bcolou?rful\b|彩色|多彩", re.IGNORECASE)
_COLOURED = re.compile(
    r"(?<![a-z])(?:black|white|red|green|blue|yellow|pink|purple|orange|grey|gray|brown|gold|silver|ivory|cream"
    r"|turquoise|colou?r|multi|rainbow|retrospot|polka|spot|stripe|floral|paisley|tartan)",
)


def unsupported_attribute(text: str, known: str) -> str | None:
    """The first attribute word of `text` that `known` (the data's own words, lower-cased) does not hold."""
    known = known.replace("colour", "color")
    if _COLOURED.search(known):
        text = _COLOURFUL.sub(" ", text)
    for match in ATTRIBUTE_EN.finditer(text):
        word = match.group(0).lower()
        stem = word.replace("colour", "color").removesuffix("s")
        if not re.search(rf"(?<![a-z]){re.escape(stem)}", known):  # "red" is not in "ordered"
            return word
    for match in ATTRIBUTE_ZH_WORDS.finditer(text):
        zh = match.group(0)
        if zh not in known and ATTRIBUTE_ZH[zh] not in known:
            return zh
    return None


def without_attributes(text: str) -> str:
    """The text with its attribute words blanked out: what a question asks about a product ("Can the lunch bag go in
    the dishwasher?") rather than which product it is."""
    return " ".join(ATTRIBUTE_ZH_WORDS.sub(" ", ATTRIBUTE_EN.sub(" ", text)).split())
