from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from assistant.generators.common import GenerationError
from assistant.generators.copy import COPY_SLACK, MIN_PROSE, STOCK_LINES, generate_copy
from assistant.generators.deps import GeneratorDeps
from assistant.llm.base import FakeChatModel
from core.db import Store
from core.tables import Product
from tests.assistant.generators.conftest import script
from tests.assistant.generators.fakes import FakeSearch, js


def test_retail_price_from_price_list_never_wholesale(deps: GeneratorDeps) -> None:
    llm = script(deps, js({"variants": ["A showpiece for afternoon tea ✨", "Three tiers of pure charm!"]}))
    draft = generate_copy(deps, "m-en", skus=["22423"], channel="wechat_moments", lang="en", variants=2)
    assert not draft.flagged and len(draft.variants) == 2
    assert draft.items[0].retail_price == Decimal("24.99") and draft.items[0].price_source == "price_list"
    for variant in draft.variants:
        assert variant.text.endswith("Regency Cakestand 3 Tier £24.99")
        assert "12.75" not in variant.text and variant.grounding.passed
    assert draft.text == draft.variants[0].text
    assert llm.calls[0]["json_schema"]["properties"]["variants"]["minItems"] == 2


def test_markup_rule_and_length_limit(deps: GeneratorDeps) -> None:
    llm = script(deps, js({"variants": ["温馨小灯，点亮夜晚"]}))
    draft = generate_copy(deps, "m-zh", skus=["85123A"], channel="sms", lang="zh", max_chars=60, variants=1)
    assert draft.items[0].retail_price == Decimal("5.90")  # 2.95 x merchant markup 2
    assert draft.variants[0].chars <= 60 == draft.max_chars
    room = 60 - len("Cream Hanging Heart T-Light Holder £5.90") - 1
    assert f"每个不超过 {room} 个字符" in llm.calls[0]["messages"][-1].content  # the prompt asks for the room
    cap = llm.calls[0]["json_schema"]["properties"]["variants"]["items"]["maxLength"]
    assert cap == room + COPY_SLACK["zh"]  # room to finish a sentence; what is past the room is cut back


def test_variant_past_its_limit_with_no_whole_sentence_inside_is_regenerated(deps: GeneratorDeps) -> None:
    room = 60 - len("Cream Hanging Heart T-Light Holder £5.90") - 1
    long = "温馨小灯点亮每个夜晚让家里变得更加温暖的感觉真好"  # past the room, no sentence or clause end in it
    llm = script(deps, js({"variants": [long]}), js({"variants": ["温馨小灯，点亮夜晚。"]}))
    draft = generate_copy(deps, "m-zh", skus=["85123A"], channel="sms", lang="zh", max_chars=60, variants=1)
    assert draft.attempts == 2 and not draft.flagged and draft.variants[0].prose == "温馨小灯，点亮夜晚。"
    assert f"runs past the {room}-character limit with no whole sentence" in llm.calls[1]["messages"][-1].content
    assert len(long) > room


LOOPING = "Get Set Of Cake Tins Pantry Design Pantry Design Pantry Design Pantry Design Pantry Design Pantry"


def test_variants_past_their_limit_twice_get_stock_lines(deps: GeneratorDeps) -> None:
    script(deps, js({"variants": [LOOPING, LOOPING]}), js({"variants": [LOOPING, LOOPING]}))  # a real model's loop
    draft = generate_copy(deps, "m-en", skus=["85123A"], channel="sms", lang="en", max_chars=100, variants=2)
    assert not draft.flagged and [v.prose for v in draft.variants] == STOCK_LINES["en"][:2]
    assert all(v.chars <= 100 and v.grounding.passed for v in draft.variants) and len(LOOPING) > 100 - 41
    assert sum("ran past the limit on both tries" in r for r in draft.repairs) == 2


def test_variant_past_its_limit_twice_is_flagged_where_no_stock_line_fits(deps: GeneratorDeps) -> None:
    script(deps, js({"variants": [LOOPING]}), js({"variants": [LOOPING]}))
    draft = generate_copy(deps, "m-en", skus=["85123A"], channel="sms", lang="en", max_chars=50, variants=1)
    assert draft.flagged and draft.variants[0].chars <= 50  # 9 characters of room: "Order now!" is 10


def test_no_stock_line_for_a_variant_that_failed_for_a_claim(deps: GeneratorDeps) -> None:
    claim = "Best seller, handmade in the UK."
    script(deps, js({"variants": [LOOPING, claim]}), js({"variants": [LOOPING, claim]}))
    draft = generate_copy(deps, "m-en", skus=["85123A"], channel="sms", lang="en", max_chars=100, variants=2)
    assert draft.flagged and not any(v.prose in STOCK_LINES["en"] for v in draft.variants)


def test_a_variant_failing_twice_is_left_out_when_others_pass(deps: GeneratorDeps) -> None:
    # a real poster line ended "...with a personali" past its limit while the two others were fine
    long = "Customized paper chain for Christmas with a personalised touch for everyone in your family"
    ok = ["A classic paper chain kit.", "A festive kit with a twist."]
    script(deps, js({"variants": [long, *ok]}), js({"variants": [long, *ok]}))
    draft = generate_copy(deps, "m-en", skus=["85123A"], channel="poster", lang="en", variants=3)
    assert not draft.flagged and draft.grounding.passed and [v.prose for v in draft.variants] == ok
    assert len(draft.repairs) == 1 and draft.repairs[0].startswith("left out a variant that failed its checks twice")


def test_variant_past_its_limit_keeps_its_whole_clauses_within_it(deps: GeneratorDeps) -> None:
    script(deps, js({"variants": ["温馨小灯，点亮夜晚，让家里变得更加温暖的感觉"]}))
    draft = generate_copy(deps, "m-zh", skus=["85123A"], channel="sms", lang="zh", max_chars=60, variants=1)
    assert draft.attempts == 1 and draft.variants[0].prose == "温馨小灯，点亮夜晚"
    assert len(draft.repairs) == 1 and "unfinished at the length limit" in draft.repairs[0]


def test_sms_phrase_without_a_full_stop_within_its_limit_is_kept(deps: GeneratorDeps) -> None:
    # a real model's words were "... with various sizes", now an unsupported size claim
    script(deps, js({"variants": ["Set of cake tins in pantry design for every kitchen"]}))
    draft = generate_copy(deps, "m-en", skus=["85123A"], channel="sms", lang="en", max_chars=100, variants=1)
    assert draft.attempts == 1 and not draft.flagged and draft.repairs == []


def test_wholesale_price_in_copy_is_caught_then_flagged(deps: GeneratorDeps) -> None:
    leak = js({"variants": ["We only pay £2.95 for these!"]})
    script(deps, leak, leak)
    draft = generate_copy(deps, "m-en", skus=["85123A"], lang="en", variants=1)
    assert draft.flagged and draft.attempts == 2
    assert any("wholesale" in p for p in draft.grounding.problems)


def test_recommender_picks_when_no_skus(deps: GeneratorDeps) -> None:
    script(deps, js({"variants": ["Treat your home."]}))
    draft = generate_copy(deps, "m-en", lang="en", variants=1)
    assert [o.sku for o in draft.items] == ["85123A", "22423"]


def test_short_channels_take_fewer_recommender_picks(deps: GeneratorDeps) -> None:
    # "write an SMS for my shop": three picks' offer line alone was past a Chinese SMS's 70 characters
    script(deps, js({"variants": ["好物上新。"]}))
    draft = generate_copy(deps, "m-en", channel="sms", lang="zh", variants=1)
    assert [o.sku for o in draft.items] == ["85123A"] and draft.variants[0].chars <= 70


def test_a_channel_limit_that_leaves_no_room_for_copy_is_widened_unless_the_caller_set_it(deps: GeneratorDeps) -> None:
    # "写一条海报文案，推广圣诞纸链" failed outright: the offer line nearly filled a Chinese poster (40 characters)
    script(deps, js({"variants": ["好物上新。"]}))
    draft = generate_copy(deps, "m-en", skus=["85123A", "22423"], channel="poster", lang="zh", variants=1)
    line = draft.variants[0].text.split("\n")[1]  # SKUs the owner chose are all kept
    assert len(line) > 40 and draft.max_chars == len(line) + 1 + MIN_PROSE["zh"] and not draft.flagged
    assert draft.repairs == [
        f"the channel's 40 characters hold little more than the offer line: allowed {draft.max_chars}"
    ]
    with pytest.raises(GenerationError, match="no room"):  # a limit the caller set is kept
        generate_copy(deps, "m-en", skus=["85123A", "22423"], channel="poster", lang="zh", max_chars=40)


def test_bad_requests(deps: GeneratorDeps) -> None:
    with pytest.raises(GenerationError, match="not in S's catalog"):
        generate_copy(deps, "m-en", skus=["NOPE1"])
    with pytest.raises(GenerationError, match="unknown channel"):
        generate_copy(deps, "m-en", skus=["85123A"], channel="fax")
    with pytest.raises(GenerationError, match="no room"):
        generate_copy(deps, "m-en", skus=["85123A"], channel="sms", max_chars=20)


def test_a_variant_repeating_another_is_left_out(deps: GeneratorDeps) -> None:
    same = {"variants": ["温馨小灯，点亮夜晚。", "温馨小灯，点亮夜晚。"]}  # a real draft had one line three times
    script(deps, js(same), js(same))
    draft = generate_copy(deps, "m-zh", skus=["85123A"], channel="sms", lang="zh", max_chars=60, variants=2)
    assert not draft.flagged and [v.prose for v in draft.variants] == ["温馨小灯，点亮夜晚。"]
    assert any("repeats variant 1" in r for r in draft.repairs)


def _user_prompt(llm: FakeChatModel) -> str:
    return str(llm.calls[0]["messages"][-1].content)


def test_a_theme_picks_the_in_stock_products_it_finds_and_the_copy_is_written_for_it(
    deps: GeneratorDeps, sqlite_store: Store
) -> None:
    with sqlite_store.session() as session:  # sold out at S: not promoted
        product = session.get(Product, "47566")
        assert product is not None
        product.stock = 0
    # the theme's hits: inactive 23084, sold-out 47566, then two cake stands
    deps = replace(deps, search=FakeSearch(["23084", "47566", "22776", "22423"]))
    llm = script(deps, js({"variants": ["Host the perfect tea party."]}))
    draft = generate_copy(deps, "m-en", channel="email", lang="en", variants=1, theme="  tea   party ")
    assert [i.sku for i in draft.items] == ["22776", "22423"] and draft.theme == "tea party"
    assert "Occasion: tea party" in _user_prompt(llm) and not draft.flagged and draft.repairs == []
    assert deps.search.calls[0]["query"] == "tea party"  # type: ignore[attr-defined]


def test_a_product_tied_to_another_holiday_is_not_promoted_for_a_theme(deps: GeneratorDeps) -> None:
    # "summer garden party" found PARTY CONE CHRISTMAS DECORATION past the relevance gate
    deps = replace(deps, search=FakeSearch(["22910", "47566"]))
    script(deps, js({"variants": ["Bunting for long summer evenings."]}))
    draft = generate_copy(deps, "m-en", channel="email", lang="en", variants=1, theme="summer garden party")
    assert [i.sku for i in draft.items] == ["47566"]
    script(deps, js({"variants": ["Paper chains for the tree."]}))
    xmas = generate_copy(deps, "m-en", channel="email", lang="en", variants=1, theme="Xmas")
    assert [i.sku for i in xmas.items] == ["22910"]  # the theme names Christmas: its products fit


def test_a_theme_nothing_matches_promotes_the_recommenders_picks_and_says_so(deps: GeneratorDeps) -> None:
    deps = replace(deps, search=FakeSearch(dense=0.1, keyword=0.0))  # no hit passes the relevance gate
    llm = script(deps, js({"variants": ["Light up the summer evenings."]}))
    draft = generate_copy(deps, "m-en", channel="email", lang="en", variants=1, theme="summer")
    assert [i.sku for i in draft.items] == ["85123A", "22423"]  # FakeRestock's picks
    assert draft.repairs == ["no product in S's catalog matches the theme 'summer': promoted the recommender's picks"]
    assert "Occasion: summer" in _user_prompt(llm)


def test_named_skus_win_over_the_theme_and_no_theme_is_none(deps: GeneratorDeps) -> None:
    llm = script(deps, js({"variants": ["A warm glow for mum."]}), js({"variants": ["温馨小灯。"]}))
    draft = generate_copy(deps, "m-en", skus=["85123A"], channel="email", lang="en", variants=1, theme="Mother's Day")
    assert [i.sku for i in draft.items] == ["85123A"] and "Occasion: Mother's Day" in _user_prompt(llm)
    assert deps.search.calls == []  # type: ignore[attr-defined]
    generate_copy(deps, "m-zh", skus=["85123A"], channel="email", lang="zh", variants=1)
    assert "场合：无" in str(llm.calls[1]["messages"][-1].content)


def test_the_occasion_reaches_the_model_without_digits(deps: GeneratorDeps) -> None:
    # the decoder writes no digits: given "双11", a real copy said "双 月圆"
    zh, en = js({"variants": ["双十一到了，温馨小灯点亮你的家。"]}), js({"variants": ["Ring in the new year."]})
    llm = script(deps, zh, en)
    draft = generate_copy(deps, "m-zh", skus=["85123A"], channel="email", lang="zh", variants=1, theme="双11")
    assert "场合：双十一" in _user_prompt(llm) and not draft.flagged and draft.theme == "双11"
    generate_copy(deps, "m-en", skus=["85123A"], channel="email", lang="en", variants=1, theme="New Year 2027")
    assert "Occasion: New Year\n" in str(llm.calls[1]["messages"][-1].content)


def test_an_occasions_products_are_the_hits_whose_titles_fit_it(deps: GeneratorDeps) -> None:
    # "Valentine's Day": the heart holder fits by its title, the bunting and the cake stand do not
    deps = replace(deps, search=FakeSearch(["47566", "85123A", "22423"], dense=0.1, keyword=0.0))
    script(deps, js({"variants": ["Light up Valentine's Day."]}))
    draft = generate_copy(deps, "m-en", channel="email", lang="en", variants=1, theme="Valentine's Day")
    assert [i.sku for i in draft.items] == ["85123A"]  # though no hit passes the relevance gate
    assert "valentine heart" in deps.search.calls[0]["query"]  # type: ignore[attr-defined]


def test_numbers_never_pick_a_product(deps: GeneratorDeps) -> None:
    # "双11" found a "TEA SET CERAMIC 11 PC"; "618" is only a number: nothing to search
    deps = replace(deps, search=FakeSearch(["22423"]))
    script(deps, js({"variants": ["六一八来了，温馨小灯点亮你的家。"]}))
    draft = generate_copy(deps, "m-zh", channel="email", lang="zh", variants=1, theme="618")
    assert deps.search.calls == [] and [i.sku for i in draft.items] == ["85123A", "22423"]  # type: ignore[attr-defined]
    assert "promoted the recommender's picks" in draft.repairs[0] and not draft.flagged


def test_a_variant_that_does_not_name_its_occasion_is_labelled_with_it_where_it_fits(deps: GeneratorDeps) -> None:
    # a real zh Mother's Day draft wrote about mums and never named the day
    script(deps, js({"variants": ["给妈妈准备一份温馨的礼物。", "母亲节快乐，温馨小灯送给妈妈。"]}))
    draft = generate_copy(deps, "m-zh", skus=["85123A"], channel="email", lang="zh", variants=2, theme="母亲节")
    shown = [v.prose for v in draft.variants]
    assert shown == ["【母亲节】给妈妈准备一份温馨的礼物。", "母亲节快乐，温馨小灯送给妈妈。"]
    assert draft.repairs == ["labelled a variant with its occasion '母亲节', which its words did not name"]
    script(deps, js({"variants": ["A warm glow for mum."]}))
    draft = generate_copy(deps, "m-en", skus=["85123A"], channel="email", lang="en", variants=1, theme="Mother's Day")
    assert draft.variants[0].prose == "Mother's Day: A warm glow for mum." and not draft.flagged
    script(deps, js({"variants": ["暖暖小灯真好看。"]}))  # no room for the label: the words stay as they are
    draft = generate_copy(deps, "m-zh", skus=["85123A"], channel="sms", lang="zh", max_chars=52, variants=1,
                          theme="母亲节")  # fmt: skip
    assert draft.variants[0].prose == "暖暖小灯真好看。" and draft.repairs == []


SHARED = "It is perfect for any occasion, whether you're looking for a gift or a treat for yourself."


def test_a_sentence_another_variant_already_wrote_is_dropped_without_a_second_call(deps: GeneratorDeps) -> None:
    # a fresh demo run: two of three email variants ended on the same sentence, and all three passed
    llm = script(deps, js({"variants": [f"Cosy nights ahead! {SHARED}", f"Light up your evenings. {SHARED}"]}))
    draft = generate_copy(deps, "m-en", skus=["85123A"], channel="email", lang="en", variants=2)
    assert [v.prose for v in draft.variants] == [f"Cosy nights ahead! {SHARED}", "Light up your evenings."]
    assert not draft.flagged and draft.attempts == 1 and len(llm.calls) == 1
    assert draft.repairs == [f"dropped {SHARED!r}, which repeats an earlier variant's words"]


def test_a_variant_that_only_repeats_another_is_regenerated(deps: GeneratorDeps) -> None:
    llm = script(
        deps,
        js({"variants": [f"Cosy nights ahead! {SHARED}", SHARED]}),
        js({"variants": [f"Cosy nights ahead! {SHARED}", "Light up your evenings."]}),
    )
    draft = generate_copy(deps, "m-en", skus=["85123A"], channel="email", lang="en", variants=2)
    assert draft.attempts == 2 and not draft.flagged
    assert [v.prose for v in draft.variants][1] == "Light up your evenings."
    assert "variant 2: it repeats variant 1's words" in llm.calls[1]["messages"][-1].content
