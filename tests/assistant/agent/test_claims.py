from __future__ import annotations

import json

import pytest

from assistant.agent.claims import ClaimFilter, ranked_first, split_sentences
from assistant.agent.guard import numbers_in

GBP = frozenset({"GBP"})


def _run(
    text: str, known: str, stock_known: bool = False, size: int = 5, currencies: frozenset[str] = frozenset()
) -> tuple[str, list[str]]:
    try:  # as the agent does: the titles its facts rank first
        facts = json.loads(known)
    except json.JSONDecodeError:
        facts = None
    ranked = ranked_first(facts) if isinstance(facts, dict) else []
    claims = ClaimFilter(known=known.lower(), stock_known=stock_known, currencies=currencies, ranked_titles=ranked)
    chunks = [text[i : i + size] for i in range(0, len(text), size)]
    return "".join(claims.run(chunks)), claims.dropped


def test_sentences_split_at_their_ends_but_not_inside_prices_or_list_numbers() -> None:
    assert split_sentences("It is 0.42镑. Next") == (["It is 0.42镑. "], "Next")
    assert split_sentences("It is 0.") == ([], "It is 0.")  # a decimal point or an end: the next chunk tells
    assert split_sentences("好的。1. A\n2. B") == (["好的。", "1. A\n"], "2. B")
    assert split_sentences("Really?! Yes… ok") == (["Really?! ", "Yes… "], "ok")


def test_real_unsupported_sentences_are_dropped_and_the_rest_streams_unchanged() -> None:
    # a real turn: the catalog has no colours for the popcorn holder
    text = "I found 6 products. Yes, the popcorn holder comes in various colors, including black and green. Ask away."
    shown, dropped = _run(text, "popcorn holder; does the popcorn holder come in other colours?")
    assert shown == "I found 6 products. Ask away."
    assert dropped == [
        "the product's 'black' is not among the facts: "
        "'Yes, the popcorn holder comes in various colors, including black and green.'"
    ]


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("These items are currently in high demand. ", "demand ('high demand')"),
        ("Order now to match the current stock. ", "S's stock ('current stock')"),
        ("1. CHRISTMAS TREE STAR DECORATION，价格0.42镑，库存为空\n", "S's stock ('库存为空')"),
        ("这款夜灯是热销商品。", "demand ('热销')"),
        ("这款夜灯有粉色和蓝色。", "the product's '粉色'"),
        ("It runs on batteries. ", "the product's 'batteries'"),
        ("- A large quantity of paper chain kits (22086) at a unit price of £2.95.\n", "an amount in words"),
        ("- A few rabbit night lights at a good price.\n", "an amount in words ('A few')"),
        ("建议大量进货兔子夜灯。", "an amount in words ('大量')"),
        ("The paper chain kit has the largest quantity of items on your list. ", "an amount in words ('largest q"),
        ("Rabbit night lights take the most units. ", "an amount in words ('the most units')"),
        # a real search turn, which has no quantities at all
        ("The large quantity might be a good option for a large party. ", "an amount in words ('The large quantity')"),
        ("兔子夜灯的进货数量最多。", "an amount in words ('数量最多')"),
        ("1. **POPCORN HOLDER** - 当前库存6个，需要补充6个。", "S's stock ('当前库存')"),
        ("- PARTY INVITES WOODLAND (SKU: 21058) - 6 units available\n", "S's stock ('units available')"),
        ("好的，这些商品的库存情况良好。", "S's stock ('库存情况')"),
        ("Reorder these to top up your current inventory. ", "S's stock ('current inventory')"),
        ("I'll check my inventory and see what I can get for under that budget. ", "a promise to act later"),
        ("我会帮您确认一下兔子夜灯。", "a promise to act later ('我会帮您确认')"),
    ],
)
def test_each_kind_of_unsupported_claim(sentence: str, reason: str) -> None:
    shown, dropped = _run(sentence, "rabbit night light; christmas tree star decoration")
    assert shown == "" and dropped[0].startswith(reason)


def test_claims_the_data_supports_pass() -> None:
    known = '{"title": "pink heart lantern", "stock": 8, "reason": "popular"} is it in stock?'
    text = "The pink lantern has 8 in stock. It is popular. 粉色的灯笼很好看。"
    assert _run(text, known, stock_known=True) == (text, [])


def test_repeated_lines_are_dropped_whatever_their_list_number() -> None:
    text = "Here:\n1. Star decoration（星星装饰）\n2. Heart decoration\n3. Star decoration（星星装饰）\n"
    shown, dropped = _run(text, "star decoration heart decoration")
    assert shown == "Here:\n1. Star decoration（星星装饰）\n2. Heart decoration\n"
    assert dropped == ["a repeat of an earlier sentence: '3. Star decoration（星星装饰）'"]


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("兔子夜灯的批发价是 2.08 元。", "a price in CNY, but the data's prices are in GBP"),
        ("It costs $0.42 each. ", "a price in USD, but the data's prices are in GBP"),
        ("These have the highest demand. ", "demand ('highest demand')"),
        ("They are likely to sell out soon. ", "selling out ('sell out')"),
        ("It is a popular item in our store. ", "demand ('popular item')"),
    ],
)
def test_wrong_currencies_and_market_talk_are_dropped(sentence: str, reason: str) -> None:
    shown, dropped = _run(sentence, '[{"currency": "GBP", "price": "2.08"}, {"price": "0.42"}]', currencies=GBP)
    assert shown == "" and dropped[0].startswith(reason)


def test_prices_in_the_datas_currency_and_popular_restock_reasons_pass() -> None:
    known = '[{"currency": "GBP", "reason": "popular"}]'
    text = "售价2.08英镑。It costs £0.42, 42 pence. It is a popular item with other shops. 这是一个单元测试。"
    assert _run(text, known, currencies=GBP) == (text, [])


def test_a_sentence_with_a_number_not_in_the_data_is_dropped_whole() -> None:
    # a real turn showed "纸链套装的价格是 [?] 元。" when the product was not found and only the number was masked
    claims = ClaimFilter(known="", stock_known=False, allowed_numbers={"2.95", "15"})
    text = "纸链套装的价格是 25 元。\n1. Paper chain kit, 2.95 each\n2. Ordered 15 times.\n"
    assert "".join(claims.run([text])) == "1. Paper chain kit, 2.95 each\n2. Ordered 15 times.\n"
    assert claims.number_problems == ["number 25 is not in the data"]


def test_numbers_from_the_data_pass_in_any_spelling_and_list_numbers_are_not_claims() -> None:
    allowed = numbers_in([{"total": "146.82", "qty": 48, "sku": "85123A", "price": "10.50", "units": 1234}])
    claims = ClaimFilter(known="", stock_known=False, allowed_numbers=allowed)
    # split across chunks: "14" of "146.82" is never judged (or shown) alone
    text = "Total 146.82 GBP. Sure. 1. Order 48 of 85123A at 10.5. 2) 1,234 units\nNot 500 or 3.5."
    shown = "".join(claims.run([text[i : i + 3] for i in range(0, len(text), 3)]))
    assert shown == "Total 146.82 GBP. Sure. 1. Order 48 of 85123A at 10.5. 2) 1,234 units\n"
    assert claims.number_problems == ["number 500 is not in the data", "number 3.5 is not in the data"]


CATALOG = ["RABBIT NIGHT LIGHT", "WRAP RED APPLES", "CARD MOTORBIKE SANTA", "POPCORN HOLDER", "RED RETROSPOT MUG"]


def test_a_number_about_a_product_the_data_does_not_hold_is_dropped() -> None:
    # a real sales turn: 25 was the day's WRAP RED APPLES; the rabbit night light was not in the data at all
    data = [{"units": 183, "top_products": [{"title": "WRAP RED APPLES", "units": 25}]}]
    known = str(data).lower()
    claims = ClaimFilter(known, False, allowed_numbers=numbers_in(data), catalog_titles=CATALOG)
    text = "You bought 25 rabbit night lights last time. Your top item was wrap red apples, 25 units. 183 units in all."
    shown = "".join(claims.run([text]))
    assert shown == "Your top item was wrap red apples, 25 units. 183 units in all."
    assert claims.number_problems == ["a number about 'RABBIT NIGHT LIGHT', which the data does not hold"]


def test_a_product_without_a_number_or_one_the_data_holds_passes() -> None:
    known = "[{'title': 'popcorn holder', 'quantity': 2}]"
    claims = ClaimFilter(known, False, catalog_titles=CATALOG)
    text = "Restock the rabbit night light too. Order 2 popcorn holders.\n2. Rabbit night light"  # a list number
    assert "".join(claims.run([text])) == text and not claims.dropped


def test_an_attribute_counts_as_known_only_as_a_word_of_the_data() -> None:
    shown, dropped = _run("It is red. ", '{"your_orders": 3, "note": "ordered twice"}')
    assert shown == "" and dropped == ["the product's 'red' is not among the facts: 'It is red.'"]
    assert _run("The red one. ", '{"title": "vintage red mug"}') == ("The red one. ", [])


def test_the_model_restating_the_datas_own_text_is_a_repeat() -> None:
    claims = ClaimFilter(known="", stock_known=False)
    claims.already_said("您的补货单共 10 个商品，合计 37.55 GBP。 ")
    shown = "".join(claims.run(["您的补货单共 10 个商品，合计 37.55 GBP。", "纸链套装是回购最多的。"]))
    assert shown == "纸链套装是回购最多的。"
    assert claims.dropped == ["a repeat of an earlier sentence: '您的补货单共 10 个商品，合计 37.55 GBP。'"]


def test_words_in_the_other_language_are_dropped_unless_the_data_or_the_owner_used_them() -> None:
    known = '{"items": [{"sku": "22086", "title": "PAPER CHAIN KIT 50\'S CHRISTMAS"}], "currency": "gbp"}'
    claims = ClaimFilter(known=known.lower(), stock_known=False, lang="zh", asked="LED灯有货吗")
    # a real Chinese restock turn: "您应该 reorder ..."
    first = '您应该 reorder "PAPER CHAIN KIT 50\'S CHRISTMAS"。'
    text = first + "纸链套装 PAPER CHAIN KIT 很适合节日。合计 GBP。LED灯也可以考虑。"
    shown = "".join(claims.run([text]))
    assert shown == "纸链套装 PAPER CHAIN KIT 很适合节日。合计 GBP。LED灯也可以考虑。"
    assert claims.dropped == [f"'reorder' is not in the answer's language (zh): {first!r}"]
    english = ClaimFilter(known=known.lower(), stock_known=False, lang="en", asked="what about the 纸链?")
    assert "".join(english.run(["Order the 纸链 kit. It is 很好 for parties. "])) == "Order the 纸链 kit. "
    unchecked = ClaimFilter(known="", stock_known=False)  # no lang: not checked
    assert "".join(unchecked.run(["您应该 reorder。"])) == "您应该 reorder。"


def test_amounts_pass_when_the_data_uses_the_words_and_everyday_words_are_not_amounts() -> None:
    known = '{"title": "lots of love mug", "reason": "repeat"}'
    text = (
        "The Lots of Love mug is one you reorder. Few shops skip it. Order what fits your shelves. "
        "It has the lowest price of the three. Start with the one you reorder most often."
    )
    assert _run(text, known) == (text, [])


def test_the_owners_words_spoken_back_are_dropped_but_short_echoes_and_the_largest_quantity_fact_pass() -> None:
    # a real budget turn answered "I have 500 pounds to spend on restocking" with the owner's own sentence
    asked = "I have 500 pounds to spend on restocking"
    claims = ClaimFilter(known='{"total": "37.55"}', stock_known=False, asked=asked)
    assert "".join(claims.run(["Great! I have 500 pounds to spend on restocking. Start with the kit."])) == (
        "Great! Start with the kit."
    )
    assert claims.dropped == [
        "the owner's own words, as if the assistant said them: 'I have 500 pounds to spend on restocking.'"
    ]
    thanks = ClaimFilter(known="", stock_known=False, asked="Thanks, that's all")
    assert "".join(thanks.run(["Thanks! "])) == "Thanks! "  # too short to be the owner's voice
    known = '{"largest_quantity": {"title": "popcorn holder", "quantity": 6}}'
    text = "The Popcorn Holder has the largest quantity on your list. "
    assert _run(text, known) == (text, [])


def test_a_lead_in_is_cut_and_the_rest_checked() -> None:
    # real answers (s2b eval chat, 2026-11-24) said the prompt's label back to the owner
    known = '{"largest_quantity": {"title": "popcorn holder", "quantity": 6}}'
    text = (
        "Based on the FACTS, the shop should reorder the POPCORN HOLDER, which has the largest quantity of 6 units. "
        "Certainly! Based on the FACTS, the products that stand out are the party cones. "
        "According to the facts, it is in stock. "
        "Based on the FACTS provided, start with the popcorn holder. "  # it was shown as "Provided, start ..."
        # a real answer the live widget test saw lose its only sentence to the stock rule
        "Based on the current stock and total value, you should restock the POPCORN HOLDER, which has the largest "
        "quantity of 6 units. "
        "Based on the current stock you should order more. "  # no comma: no lead-in, and a stock claim
    )
    shown, dropped = _run(text, known)
    assert shown == (
        "The shop should reorder the POPCORN HOLDER, which has the largest quantity of 6 units. "
        "Certainly! The products that stand out are the party cones. Start with the popcorn holder. "
        "You should restock the POPCORN HOLDER, which has the largest quantity of 6 units. "
    )
    assert dropped == [
        "S's stock ('in stock') is not among the facts: 'It is in stock.'",
        "S's stock ('current stock') is not among the facts: 'Based on the current stock you should order more.'",
    ]
    claims = ClaimFilter(known=known + " 母亲节", stock_known=False, lang="zh")
    assert (
        "".join(claims.run(["根据 FACTS，以下是母亲节活动推荐的几件商品：\n"])) == "以下是母亲节活动推荐的几件商品：\n"
    )
    assert "".join(ClaimFilter(known="", stock_known=False).run(["These facts help. "])) == "These facts help. "


@pytest.mark.parametrize(
    ("sentence", "shown"),
    [
        # a real zh budget answer: the lead-in after "好的，" said the list went by the owner's stock
        ("好的，根据你的预算和库存，我建议你补货以下商品：\n", "好的，我建议你补货以下商品：\n"),
        ("Sure, based on your budget, start with the popcorn holder. ", "Sure, start with the popcorn holder. "),
        ("Sure, based on your budget: ", ""),
        ("Sure, I can help with that. ", "Sure, I can help with that. "),
    ],
)
def test_a_lead_in_after_an_interjection_is_cut_and_the_interjection_kept(sentence: str, shown: str) -> None:
    assert _run(sentence, "popcorn holder")[0] == shown


def test_which_line_is_largest_stands_only_for_the_product_the_data_ranks_first() -> None:
    restock = '{"items": 10, "largest_quantity": {"title": "popcorn holder", "quantity": 6}}'
    right = "The POPCORN HOLDER has the largest quantity of 6 units. POPCORN HOLDER 是补货单里数量最多的商品。"
    assert _run(right, restock) == (right, [])
    wrong, dropped = _run("The paper chain kit has the largest quantity of items. ", restock)  # a real answer's
    assert wrong == "" and dropped[0].startswith("an amount in words ('largest quantity')")
    # a real sales answer, right: the data's first top product by units
    sales = (
        '{"units": 7297, "top_products": [{"sku": "21135", "title": "victorian  metal postcard spring", "units": 576}]}'
    )
    said = "The most units sold were the Victorian Metal Postcard Spring (576), then the mugs. "
    assert _run(said, sales) == (said, [])
    assert _run("The mugs sold the most units. ", sales)[0] == ""


def test_the_titles_ranked_first_come_from_the_restock_and_sales_facts() -> None:
    assert ranked_first({"largest_quantity": {"title": "POPCORN HOLDER", "quantity": 6}}) == ["POPCORN HOLDER"]
    sales = {"top_products": [{"title": "VICTORIAN METAL POSTCARD SPRING", "units": 576}, {"title": "MUG"}]}
    assert ranked_first(sales) == ["VICTORIAN METAL POSTCARD SPRING"]
    assert ranked_first({"items": 10, "top_products": []}) == []


def test_a_sentence_about_the_prompts_facts_is_dropped() -> None:
    # a real answer to "thanks, that's all"
    text = (
        "Thank you for providing the facts. I understand that there are no specific products mentioned in the FACTS. "
        "If you need help with restock lists, just ask. These facts help. "
    )
    shown, dropped = _run(text, "")
    assert shown == "If you need help with restock lists, just ask. These facts help. "
    assert [d.split(":")[0] for d in dropped] == [
        "talk about the prompt ('providing the facts'), not the shop",
        "talk about the prompt ('FACTS'), not the shop",
    ]


def test_the_help_list_is_dropped_only_on_a_turn_that_found_data() -> None:
    # a real answer under six Mother's Day products (s2b eval chat, 2026-11-24)
    text = "好的，我明白了。请告诉我您需要什么帮助，比如补货单、找商品、商品详情、本店销售情况、营销文案、回复顾客。"
    found = ClaimFilter(known="", stock_known=False, found_data=True)
    assert "".join(found.run([text])) == "好的，我明白了。"
    assert found.dropped == [f"the help list on a turn that found data: {text[8:]!r}"]
    hello = ClaimFilter(known="", stock_known=False)  # "hello": the list is the answer
    assert "".join(hello.run([text])) == text
    one_item = ClaimFilter(known="", stock_known=False, found_data=True)
    assert "".join(one_item.run(["Your restock list is above. "])) == "Your restock list is above. "


def test_the_largest_line_stands_only_when_no_other_product_is_named_with_it() -> None:
    restock = '{"items": 10, "largest_quantity": {"title": "popcorn holder", "quantity": 6}} rabbit night light'
    claims = ClaimFilter(known=restock, stock_known=False, catalog_titles=CATALOG, ranked_titles=["POPCORN HOLDER"])
    text = (
        "You should reorder the items with the largest quantity, which are the popcorn holder and the rabbit night "
        "light. The POPCORN HOLDER has the largest quantity. "
    )
    assert "".join(claims.run([text])) == "The POPCORN HOLDER has the largest quantity. "
    assert claims.dropped[0].startswith("an amount in words ('largest quantity')")


def test_a_list_whose_lines_were_dropped_is_numbered_from_one_again() -> None:
    # a real zh budget turn showed "…以下商品：\n2. JUMBO BAG…" once its first line was dropped for English words
    known = "hand warmer owl design jumbo bag 50's christmas 纸链 gbp"
    claims = ClaimFilter(known=known, stock_known=False, lang="zh", allowed_numbers={"2", "4.96", "1.79", "0.85"})
    lines = [
        "1. 手 Warm器 OWL DESIGN，数量2个。\n",  # held back: "Warm" is English in a Chinese answer
        "2. JUMBO BAG，数量2个，价格1.79 GBP。\n",
        "3. 纸链，价格0.85 GBP。\n",
    ]
    shown = "".join(claims.run(["我建议：\n", *lines]))
    assert shown == "我建议：\n1. JUMBO BAG，数量2个，价格1.79 GBP。\n2. 纸链，价格0.85 GBP。\n"
    assert len(claims.dropped) == 1


def test_list_numbers_stay_as_written_when_nothing_was_dropped_and_a_new_list_starts_at_one() -> None:
    claims = ClaimFilter(known="", stock_known=False)
    text = "Reorder:\n1. Star\n2. Heart\nThen:\n1. Bag\n2) Tin\n"
    assert "".join(claims.run([text[i : i + 4] for i in range(0, len(text), 4)])) == text


def test_a_held_back_line_keeps_its_line_break_when_the_text_shown_so_far_is_mid_line() -> None:
    # a real search turn showed "Certainly!- PARTY INVITES WOODLAND…" once the line before the list was held back
    claims = ClaimFilter(
        known="party invites woodland 21058 1.63", stock_known=False, allowed_numbers={"21058", "1.63"}
    )
    text = "Certainly! The party products with the largest quantities include:\n- PARTY INVITES WOODLAND at £1.63\n"
    shown = "".join(claims.run([text[i : i + 5] for i in range(0, len(text), 5)]))
    assert shown.replace(" \n", "\n") == "Certainly!\n- PARTY INVITES WOODLAND at £1.63\n"
    assert len(claims.dropped) == 1


def test_a_held_back_line_at_the_start_adds_no_blank_line() -> None:
    claims = ClaimFilter(known="party invites woodland", stock_known=False, allowed_numbers=set())
    text = "The products with the largest quantities are:\n- PARTY INVITES WOODLAND\n"
    assert "".join(claims.run([text])) == "- PARTY INVITES WOODLAND\n"
