from __future__ import annotations

from decimal import Decimal

from assistant.generators.common import shared_run
from assistant.generators.drafts import ProductOffer
from assistant.generators.repeats import product_names, without_repeats

HEART = ProductOffer(
    sku="85123A", title="WHITE HANGING HEART T-LIGHT HOLDER", retail_price=Decimal("5.90"), currency="GBP",
    price_source="markup", available=True,
)  # fmt: skip
NAMES = product_names([HEART])
TAIL = "It is perfect for any occasion, whether you're looking for a gift for a family member or a treat for yourself."


def test_a_sentence_that_repeats_an_earlier_variants_words_is_dropped() -> None:
    # a fresh demo run's email variants 2 and 3 ended on the same sentence
    prose, dropped = without_repeats(f"Light up your evenings. {TAIL}", [f"Cosy nights ahead! {TAIL}"], NAMES)
    assert prose == "Light up your evenings." and dropped == [TAIL]


def test_a_variant_that_is_only_a_repeat_is_kept_whole_for_the_check_to_fail() -> None:
    assert without_repeats(TAIL, [f"Cosy nights ahead! {TAIL}"], NAMES) == (TAIL, [])
    assert shared_run(TAIL, f"Cosy nights ahead! {TAIL}", skip=NAMES) == "it is perfect for any occasion whether"


def test_product_names_and_short_common_phrases_are_no_repeat() -> None:
    first = "Our White Hanging Heart T-Light Holder is perfect for any occasion."
    second = "The white hanging heart t-light holder is perfect for cosy nights."
    assert shared_run(second, first) == "white hanging heart t light holder is"
    assert shared_run(second, first, skip=NAMES) is None  # without the name: "is perfect for", 3 words
    assert without_repeats(second, [first], NAMES) == (second, [])


def test_chinese_runs_of_ten_characters() -> None:
    earlier = "冬日暖心好物，给家人一份温暖的惊喜吧！"
    assert shared_run("快来看看，给家人一份温暖的惊喜吧！", earlier) == "，给家人一份温暖的惊"
    assert shared_run("给家人一份温暖。", earlier) is None  # eight characters
