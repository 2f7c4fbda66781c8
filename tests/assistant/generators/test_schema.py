from __future__ import annotations

import json
import re

import pytest

from assistant.generators.common import (
    clean_prose,
    close_json,
    display_title,
    echoed_instructions,
    speakable,
    trim_to_sentence,
)
from assistant.generators.schema import prose_schema, schema_errors, token_budget

SCHEMA = {
    "type": "object",
    "properties": {
        "topic": {"type": "string", "enum": ["price", "other"]},
        "products": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 3}, "maxItems": 2},
        "reply": prose_schema(4, 20),
    },
    "required": ["topic", "products", "reply"],
    "additionalProperties": False,
}


def test_prose_pattern_bounds_the_length_inside_the_pattern() -> None:
    pattern = prose_schema(4, 20)["pattern"]
    assert pattern.endswith("{4,20}$")  # llama.cpp ignores maxLength next to a pattern; this bound it obeys
    assert re.search(pattern, "Lovely, isn't it?") and re.search(pattern, "温馨小灯，点亮夜晚！")
    assert not re.search(pattern, "x" * 21) and not re.search(pattern, "abc") and not re.search(pattern, "£5 now")
    assert token_budget(90, "zh") == 180 and token_budget(240, "en") == 128


def test_prose_pattern_keeps_json_string_delimiters_out() -> None:
    # llama.cpp emits the pattern's characters raw inside the JSON string: a straight quote would close it early
    # (one string becomes two array items) and a raw newline is invalid JSON
    pattern = prose_schema(4, 60)["pattern"]
    for bad in ['Buy now!", "Join us', "Line one\nline two", "back\\slash"]:
        assert not re.search(pattern, bad), bad
    assert re.search(pattern, "“Lovely”, isn't it? ‘Café-style’ & more…")


def test_schema_errors() -> None:
    assert schema_errors({"topic": "price", "products": [1], "reply": "Here it is."}, SCHEMA) == []
    errors = schema_errors({"topic": "refund", "products": [1, 4, True], "extra": 1}, SCHEMA)
    assert any("'refund' is not one of" in e for e in errors)
    assert any("missing 'reply'" in e for e in errors) and any("unexpected 'extra'" in e for e in errors)
    assert any("3 items" in e for e in errors) and any("4 outside 1..3" in e for e in errors)
    assert any("expected integer, got bool" in e for e in errors)
    bad_text = {"topic": "price", "products": [], "reply": "It is £5.00 today, a bargain!"}
    assert len(schema_errors(bad_text, SCHEMA)) == 2  # too long and a currency sign
    assert schema_errors(bad_text, SCHEMA, strings=False) == []  # string content is grounding's job
    assert schema_errors([], SCHEMA) == ["$: expected object, got list"]


def test_clean_prose_drops_only_broken_sentences() -> None:
    kept, dropped = clean_prose("Yes we have it! It costs  pounds. Enjoy.")
    assert kept == "Yes we have it! Enjoy." and dropped == ["It costs  pounds."]
    kept, dropped = clean_prose("感谢您的咨询。价格是  人民币  为  价格")
    assert kept == "感谢您的咨询。" and len(dropped) == 1
    assert clean_prose("All fine here. Really.") == ("All fine here. Really.", [])
    spaced = "Thanks for your message!  It is available."  # a fresh-clone probe's draft
    assert clean_prose(spaced) == ("Thanks for your message! It is available.", [])
    # a real reply: the broken sentence went, and its lone " ." was then flagged as a gap
    kept, dropped = clean_prose("Thanks for your message! The holder is currently priced at  pounds   .  .")
    assert kept == "Thanks for your message!" and dropped[-1] == "."
    assert clean_prose("Order now! 🎉") == ("Order now! 🎉", [])
    assert clean_prose("The price is  GBP.") == ("", ["The price is  GBP."])
    kept, dropped = clean_prose("A roomy shopper for market day. It is designed to carry up to")
    assert kept == "A roomy shopper for market day." and dropped == ["It is designed to carry up to"]


RULES = """Rules for the reply:
- If the customer asks about delivery, say only that the shop owner will check and reply: never say when it arrives.
- For a price question write only a short thank-you, such as "Thanks for your message, we are glad you asked!".
- 顾客问发货或退款时，只说店主会核实后回复，绝不说什么时候到货。例如“感谢您的咨询，我们很高兴为您服务！”。
"""


def test_echoed_instructions_finds_seven_copied_words_or_ten_copied_cjk_characters() -> None:
    copied = "The shop owner will check and reply: never say when it arrives."
    assert echoed_instructions(copied, RULES) == "the shop owner will check and reply"
    assert echoed_instructions("Our shop owner will check and reply soon.", RULES) is None  # six words in a row
    assert echoed_instructions("店主会核实后回复，绝不说什么时候到货。", RULES) == "店主会核实后回复，绝"
    assert echoed_instructions("店主会核实后回复您。", RULES) is None  # eight characters
    # the prompt's quoted examples are what the model is asked to write
    assert echoed_instructions("Thanks for your message, we are glad you asked!", RULES) is None
    assert echoed_instructions("感谢您的咨询，我们很高兴为您服务！", RULES) is None
    assert echoed_instructions("The shop owner will check and reply", "") is None


def test_titles_are_capitalised_by_word_not_after_an_apostrophe() -> None:
    assert display_title("MOTHER'S KITCHEN SPOON REST") == "Mother's Kitchen Spoon Rest"
    assert display_title("PAPER CHAIN KIT 50'S CHRISTMAS") == "Paper Chain Kit 50's Christmas"
    assert display_title("WHITE HANGING HEART T-LIGHT HOLDER") == "White Hanging Heart T-Light Holder"
    assert speakable("MUM'S KITCHEN CLOCK") == "Mum's Kitchen Clock"


def test_speakable_names_hold_no_digits() -> None:
    assert speakable("REGENCY CAKESTAND 3 TIER") == "Regency Cakestand Tier"
    assert speakable("S/12 MINI RABBIT EASTER") == "Mini Rabbit Easter"
    assert speakable("SET 10 CARDS XMAS GRAPHIC  17218") == "Set Cards Xmas Graphic"
    assert speakable("12345") == "12345"  # nothing left: keep the name (grounding then judges what is written)


def test_clean_prose_drops_placeholders_and_prices_in_words() -> None:
    # both seen from the real model in Chinese replies; the price is in the facts line written from data
    kept, dropped = clean_prose("感谢您的咨询！这款烛台有，价格是XXX元。请放心购买！")
    assert kept == "感谢您的咨询！请放心购买！" and dropped == ["这款烛台有，价格是XXX元。"]
    kept, dropped = clean_prose("我们有 Rabbit Night Light，价格是十元。")
    assert kept == "" and dropped == ["我们有 Rabbit Night Light，价格是十元。"]
    assert clean_prose("Dear [Customer Name], thanks!") == ("", ["Dear [Customer Name], thanks!"])


def test_clean_prose_drops_repeated_sentences_and_loops() -> None:
    looping = "新年礼物！" + "新年快乐！" * 22  # a real zh copy variant from `make serve`
    kept, dropped = clean_prose(looping)
    assert kept == "新年礼物！新年快乐！" and len(dropped) == 21
    kept, dropped = clean_prose("Lovely tins. LOVELY TINS! Bake more.")
    assert kept == "Lovely tins. Bake more." and dropped == ["LOVELY TINS!"]
    kept, dropped = clean_prose("Set of tins in Pantry Design Pantry Design Pantry Design Pantry Design. Bake more.")
    assert kept == "Bake more." and len(dropped) == 1
    assert clean_prose("Bake, bake, bake! So good.") == ("Bake, bake, bake! So good.", [])  # three is a style


def test_clean_prose_drops_feel_free_courtesy_lines_only() -> None:
    kept, dropped = clean_prose("Thanks for your message! Feel free to ask anything else.")
    assert kept == "Thanks for your message!" and dropped == ["Feel free to ask anything else."]
    assert clean_prose("Everything is free today!") == ("Everything is free today!", [])  # grounding flags it


def test_trim_to_sentence_cuts_back_only_text_that_reached_the_cap() -> None:
    assert trim_to_sentence("  Short and sweet  ", 70) == ("Short and sweet", "")  # ended on its own
    assert trim_to_sentence("Lovely. Just lovely.", 20) == ("Lovely. Just lovely.", "")  # at the cap, but whole
    assert trim_to_sentence("Bought again. Shops like it for", 31) == ("Bought again.", "Shops like it for")
    zh = "纸链套装是家庭用品，适合家庭成员的"
    assert trim_to_sentence(zh, len(zh)) == ("纸链套装是家庭用品", "适合家庭成员的")
    assert trim_to_sentence("Hi, the shop reorders these regularly to", 40) == (
        "",
        "Hi, the shop reorders these regularly to",
    )


def test_trim_to_sentence_with_room_past_the_limit() -> None:
    phrase = "Set of cake tins in pantry design with various sizes"  # no full stop, far from the cap: whole
    assert trim_to_sentence(phrase, 59, 99) == (phrase, "")
    assert trim_to_sentence("Lovely tins here. Great for gifts and more", 20, 60) == (
        "Lovely tins here.",
        "Great for gifts and more",
    )
    assert trim_to_sentence("A very long line with no end at all", 20, 60) == (
        "",
        "A very long line with no end at all",
    )


@pytest.mark.parametrize(
    ("cut", "closed"),
    [
        ('{"reply": "Thanks! It is priced at 英镑     ', '{"reply": "Thanks! It is priced at 英镑"}'),
        ('{"variants": ["One.", "Tw', '{"variants": ["One.", "Tw"]}'),
        ('{"a": "say \\"hi', '{"a": "say \\"hi"}'),  # an escaped quote does not end the string
        ('{"a": "end\\', '{"a": "end"}'),  # nor does a lone backslash escape the closing one
        ('{"a": [1, 2,', '{"a": [1, 2]}'),
        ('{"a": "done"}', '{"a": "done"}'),
    ],
)
def test_close_json_closes_what_was_open_where_the_text_stopped(cut: str, closed: str) -> None:
    assert close_json(cut) == closed
    json.loads(closed)
