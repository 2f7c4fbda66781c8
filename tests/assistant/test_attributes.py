from __future__ import annotations

import pytest

from assistant.attributes import unsupported_attribute


@pytest.mark.parametrize(
    ("text", "titles", "unsupported"),
    [
        ("The popcorn holder comes in other colors.", "popcorn holder", "colors"),
        ("It is made of glass.", "popcorn holder", "glass"),
        ("A bright red lantern.", "red hanging lantern", None),
        ("Every order gets to you.", "red hanging lantern", None),  # "red" inside "ordered" is no claim
        ("A colorful jumbo bag.", "jumbo bag pink polkadot", None),  # a colour in the title backs "colourful"
        ("A colourful bag for every day.", "jumbo bag retrospot", None),
        ("A colorful popcorn holder.", "popcorn holder", "colorful"),
        ("这款彩色的袋子很实用。", "jumbo bag pink polkadot", None),
        ("这款彩色的爆米花桶。", "popcorn holder", "彩色"),
        ("木质的小夜灯。", "rabbit night light", "木质"),
        ("It has a built-in filter.", "popcorn holder", "built-in"),
        ("Its removable lid makes it easy to clean.", "popcorn holder", "removable"),
        ("A sturdy tin with a lid.", "round cake tin with lid", None),
        ("A folding chair for the garden.", "folding chair red", None),
        ("带盖子，方便清洗。", "popcorn holder", "带盖"),
        ("这个午餐袋可以用洗碗机洗。", "lunch bag red retrospot", "洗碗机"),  # a real reply's claim
        ("Can I put it in the dishwasher?", "lunch bag red retrospot", "dishwasher"),
        ("可以放进微波炉加热。", "retrospot tea set ceramic", "微波炉"),
        ("It is oven safe.", "oven glove", "oven safe"),  # the title holds "oven", not "oven safe"
        ("Keep your hands safe at the oven.", "oven glove", None),
        ("A classic lunch bag made from vintage doily fabric.", "lunch bag vintage doily", "fabric"),  # a real copy
        ("A sturdy canvas tote.", "jumbo storage bag suki", "canvas"),
        ("兔夜灯，智能照明灯，智能灯泡。", "rabbit night light", "智能"),  # a real SMS variant
        ("A roomy jute shopper.", "jumbo shopper vintage red paisley jute", None),
    ],
)
def test_an_attribute_is_a_claim_unless_the_titles_hold_it(text: str, titles: str, unsupported: str | None) -> None:
    assert unsupported_attribute(text, titles) == unsupported
