from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.generators.common import GenerationError
from assistant.generators.deps import GeneratorDeps
from assistant.generators.drafts import RestockLine
from assistant.generators.restock import REASON_CHARS, generate_restock, lists_products
from tests.assistant.generators.conftest import script
from tests.assistant.generators.fakes import js

GOOD = js(
    {"summary": "Two items are due for your shop.", "reasons": ["You reorder it often.", "Similar shops love it."]}
)


def test_numbers_come_from_data_and_text_is_grounded(deps: GeneratorDeps) -> None:
    llm = script(deps, GOOD)
    draft = generate_restock(deps, "m-en", k=5)
    assert not draft.flagged and draft.grounding.passed and draft.attempts == 1
    assert [(i.sku, i.quantity, i.unit_price, i.line_total) for i in draft.items] == [
        ("85123A", 12, Decimal("2.95"), Decimal("35.40")),
        ("22423", 2, Decimal("12.75"), Decimal("25.50")),
    ]
    assert draft.total == Decimal("60.90")
    assert "× 12 @ £2.95 = £35.40" in draft.text and "Total: £60.90" in draft.text
    assert draft.items[0].reason == "You reorder it often."
    assert (draft.prompt_id, draft.prompt_version, draft.model, draft.language) == ("restock", "2", "fake-model", "en")
    schema = llm.calls[0]["json_schema"]
    assert schema["properties"]["reasons"]["minItems"] == 2 == schema["properties"]["reasons"]["maxItems"]
    assert "12.75" not in llm.calls[0]["messages"][1].content  # the model never sees the numbers it must not write


def test_merchant_language_is_default(deps: GeneratorDeps) -> None:
    script(deps, js({"summary": "这两款该补货了。", "reasons": ["您经常回购。", "同类店铺都在卖。"]}))
    draft = generate_restock(deps, "m-zh")
    assert draft.language == "zh" and "合计：£60.90（批发价）" in draft.text and draft.grounding.passed


def test_invented_number_is_regenerated_with_the_problems(deps: GeneratorDeps) -> None:
    bad = js({"summary": "Order 50 units at £1.99 now!", "reasons": ["Sells fast.", "Nice."]})
    llm = script(deps, bad, GOOD)
    draft = generate_restock(deps, "m-en")
    assert draft.attempts == 2 and not draft.flagged and draft.grounding.passed
    retry_prompt = llm.calls[1]["messages"][-1].content
    assert "price £1.99 is not a price in the data" in retry_prompt


def test_still_failing_draft_is_flagged_with_exact_problems(deps: GeneratorDeps) -> None:
    bad = js({"summary": "Dear [Shop Owner]. Time to buy 99999Z.", "reasons": ["Sells fast.", "Nice."]})
    script(deps, bad, bad)
    draft = generate_restock(deps, "m-en")
    assert draft.flagged and draft.attempts == 2 and not draft.grounding.passed
    assert draft.grounding.problems == ["SKU 99999Z is not in S's catalog"]
    # the placeholder's sentence is broken, not false: it is dropped, and the drop recorded
    assert "Dear [Shop Owner]" not in draft.text and any("[Shop Owner]" in r for r in draft.repairs)


def test_unknown_merchant(deps: GeneratorDeps) -> None:
    with pytest.raises(GenerationError, match="unknown merchant"):
        generate_restock(deps, "nobody")


def test_reason_that_only_names_the_product_becomes_the_recommenders_reason(deps: GeneratorDeps) -> None:
    script(deps, js({"summary": "该补货了。", "reasons": ["您经常回购。", "Regency Cakestand Tier"]}))
    draft = generate_restock(deps, "m-zh")
    assert draft.items[1].reason and draft.items[1].reason != "Regency Cakestand Tier"
    assert draft.items[0].reason == "您经常回购。" and draft.grounding.passed
    assert len(draft.repairs) == 1 and "22423" in draft.repairs[0]


@pytest.mark.parametrize(
    ("lang", "reason", "kept"),
    [
        # cut by the schema's cap (REASON_CHARS) mid-phrase, as the real model's were: no sentence end to go back to
        ("en", "The shop reorders these rotating silver angel holders regularly as they sell well in homes like", None),
        (
            "en",
            "Bought again and again by shops like this one. They keep coming back for it as it sells in homes",
            "Bought again and again by shops like this one.",
        ),
        (
            "zh",
            "纸链套装是节日家居用品，适合和家人一起动手布置房间的时候用，大家都很喜欢这种",
            "纸链套装是节日家居用品，适合和家人一起动手布置房间的时候用",
        ),
    ],
)
def test_reason_cut_off_at_its_length_cap_keeps_only_whole_words(
    deps: GeneratorDeps, lang: str, reason: str, kept: str | None
) -> None:
    assert REASON_CHARS[lang] - 12 <= len(reason) <= REASON_CHARS[lang]
    other = "Similar shops love it." if lang == "en" else "同类店铺都在卖。"
    script(deps, js({"summary": "Two items are due." if lang == "en" else "该补货了。", "reasons": [reason, other]}))
    draft = generate_restock(deps, "m-en", lang=lang)
    assert draft.items[0].reason == (kept or "the shop reorders this regularly")  # else the recommender's reason
    assert draft.grounding.passed and len(draft.repairs) == 1 and "unfinished at the length limit" in draft.repairs[0]


def test_product_name_in_front_of_a_reason_is_left_out(deps: GeneratorDeps) -> None:
    script(
        deps,
        js({"summary": "Two are due.", "reasons": ["Cream Hanging Heart T-Light Holder: a steady seller.", "Nice."]}),
    )
    assert generate_restock(deps, "m-en").items[0].reason == "a steady seller."
    script(
        deps,
        js({"summary": "该补货了。", "reasons": ["您经常回购。", "Regency Cakestand Tier：经常回购，适合下午茶。"]}),
    )
    assert generate_restock(deps, "m-zh").items[1].reason == "经常回购，适合下午茶。"


@pytest.mark.parametrize(
    ("lang", "summary"),
    [  # seen in eval runs, for lists of five and ten
        ("zh", "这家店经常回购的商品包括兔夜灯、大号圣诞袋、木林小盒、帕里斯公园午餐袋和红小蘑菇灯。"),
        ("zh", "这五件商品经常被店家回购，建议补货。"),
        ("en", "The shop regularly reorders cream hanging hearts, regency cakestands, and heart holders."),
    ],
)
def test_a_summary_that_lists_or_miscounts_the_products_gives_way_to_one_from_data(
    deps: GeneratorDeps, lang: str, summary: str
) -> None:
    reasons = ["Sells well.", "Similar shops buy it."] if lang == "en" else ["卖得好。", "同类店铺常买。"]
    script(deps, js({"summary": summary, "reasons": reasons}))
    draft = generate_restock(deps, "m-en", lang=lang)
    expected = {
        "en": "Suggested restock for your shop: 1 you reorder regularly, 1 that similar shops buy and you have not"
        " tried.",
        "zh": "为您的店铺建议的补货清单：1 件您常回购的商品，1 件同类店铺常买、您还没进过的商品。",
    }
    assert draft.summary == expected[lang] and draft.grounding.passed
    assert draft.repairs == [f"dropped the summary's sentence {summary!r}: it lists or counts the products"]


def test_a_summary_sentence_about_the_list_as_a_whole_stays() -> None:
    lines = [RestockLine(sku=s, title=t, quantity=1, unit_price=None, line_total=None, currency="GBP")
             for s, t in [("1", "PAPER CHAIN KIT 50'S CHRISTMAS"), ("2", "RABBIT NIGHT LIGHT")]]  # fmt: skip
    for sentence in ["The shop reorders products regularly to meet customer needs.", "这两款该补货了。",
                     "Two items are due.", "Christmas stock and night lights, both due now."]:  # fmt: skip
        assert not lists_products(sentence, lines), sentence


def test_stock_claims_in_the_models_words_are_dropped(deps: GeneratorDeps) -> None:
    # the model is never told S's stock ("库存充足，经常回购的商品。" was a real summary)
    script(deps, js({"summary": "库存充足，经常回购的商品。", "reasons": ["您经常回购。现货供应。", "同类店铺常买。"]}))
    draft = generate_restock(deps, "m-en", lang="zh")
    assert draft.summary.startswith("为您的店铺建议的补货清单") and draft.items[0].reason == "您经常回购。"
    assert len(draft.repairs) == 2 and all("stock is not among its facts" in r for r in draft.repairs)
