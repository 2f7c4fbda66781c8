from __future__ import annotations

import pytest

from assistant.agent.actions import (
    ACTIONS,
    ROUTER_SCHEMA,
    AgentAction,
    RouterOutputError,
    as_product_question,
    as_product_search,
    as_sales_question,
    named_in,
    parse_action,
    product_words,
    theme_words,
    with_customer_question,
    with_named_channel,
    without_unnamed_products,
)
from assistant.generators.copy import CHANNELS as COPY_CHANNELS


def test_schema_has_no_merchant_field_and_lists_every_action() -> None:
    assert not any("merchant" in name for name in ROUTER_SCHEMA["properties"])
    assert ROUTER_SCHEMA["properties"]["action"]["enum"] == list(ACTIONS)
    assert ROUTER_SCHEMA["additionalProperties"] is False


def test_smuggled_fields_are_dropped() -> None:
    action = parse_action('{"action": "sales_summary", "merchant_id": "17850", "days": 30, "channel": "fax"}')
    assert action.action == "sales_summary" and action.days == 30 and action.channel == "wechat_moments"
    assert "merchant_id" not in action.model_dump()


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"action": "delete_everything"}', '{"days": 3}'])
def test_invalid_router_output_is_rejected(text: str) -> None:
    with pytest.raises(RouterOutputError):
        parse_action(text)


def test_the_router_offers_exactly_the_channels_the_copy_generator_writes() -> None:
    # the router once offered weibo, instagram and facebook, which the generator then refused
    assert set(ROUTER_SCHEMA["properties"]["channel"]["enum"]) == set(COPY_CHANNELS)
    assert parse_action('{"action": "draft_copy", "channel": "instagram"}').channel == "wechat_moments"


def test_the_router_cannot_set_a_length() -> None:
    # max_chars is code's (a "make it shorter" follow-up); from the router it is dropped like a smuggled merchant id
    assert parse_action('{"action": "draft_copy", "max_chars": 25}').max_chars is None


@pytest.mark.parametrize(
    ("message", "channel"),
    [
        ("write an SMS promoting the paper chain kit", "sms"),
        ("写一篇小红书笔记推荐兔子夜灯", "xiaohongshu"),
        ("draft a promo email for the popcorn holder", "email"),
        ("帮我写一条推广圣诞蜡烛的朋友圈文案", "wechat_moments"),
        ("a poster line for candles", "poster"),
        ("write an instagram post", "wechat_moments"),  # no channel named: the default
        ("an email and an SMS", "wechat_moments"),  # two named: not guessed
    ],
)
def test_a_copy_action_takes_the_channel_the_owner_named(message: str, channel: str) -> None:
    # the real router left the channel out for all of these (an SMS was drafted as a WeChat Moments post)
    assert with_named_channel(parse_action('{"action": "draft_copy"}'), message).channel == channel


def test_the_owners_words_win_over_the_routers_channel_and_other_actions_are_left_alone() -> None:
    # the real router once chose wechat_moments for "写一篇小红书笔记推荐兔子夜灯"
    chosen = parse_action('{"action": "draft_copy", "channel": "wechat_moments"}')
    assert with_named_channel(chosen, "写一篇小红书笔记推荐兔子夜灯").channel == "xiaohongshu"
    assert with_named_channel(chosen, "a post for the candles").channel == "wechat_moments"
    search = parse_action('{"action": "search_catalog", "query": "sms"}')
    assert with_named_channel(search, "sms").model_dump() == search.model_dump()


@pytest.mark.parametrize(
    ("name", "words", "named"),
    [
        ("your_shop_code", "write an SMS for my shop", False),  # the real router's placeholders
        ("12345", "写一条促销短信", False),
        ("best_sellers", "make a poster line for my best sellers", False),
        ("85123A", "a post for 85123a please", True),  # a code counts as written
        ("85123A", "a post for the heart holder", False),
        ("paper chain kit", "write an SMS promoting the paper chain kit", True),
        ("popcorn_holder", "an email for the popcorn holder", True),
        ("圣诞蜡烛", "帮我写一条推广圣诞蜡烛的朋友圈文案", True),
        ("红色蜡烛", "写一条推广圣诞蜡烛的文案", True),  # 蜡烛 is there
        ("兔子夜灯", "写一条推广圣诞蜡烛的文案", False),
        ("rabbit night light", "写一篇小红书笔记推荐兔子夜灯", True),  # a translation: the catalog lookup checks it
        ("shop", "写一条促销短信", False),  # a translation of nothing
    ],
)
def test_named_in(name: str, words: str, named: bool) -> None:
    assert named_in(name, words) is named


def test_a_copy_action_keeps_only_the_products_the_owner_named() -> None:
    routed = parse_action('{"action": "draft_copy", "skus": ["your_shop_code", "paper chain kit"], "sku": "12345"}')
    kept = without_unnamed_products(routed, "an SMS for my shop: the paper chain kit")
    assert (kept.skus, kept.sku) == (["paper chain kit"], "")
    search = parse_action('{"action": "product_details", "sku": "12345"}')
    assert without_unnamed_products(search, "how much is it") is search  # product_details has its own fallback


@pytest.mark.parametrize(
    ("message", "customer_message"),
    [
        # the real router sent this one to search_catalog in every eval run
        (
            "A customer asks: does the popcorn holder come in other colours?",
            "does the popcorn holder come in other colours?",
        ),
        (
            "Customer says her order arrived broken. Draft a reply.",
            "Customer says her order arrived broken. Draft a reply.",
        ),
        ("顾客问：热水袋可以退货吗？帮我回复一下", "热水袋可以退货吗？"),  # the owner's ask is not the customer's
        ("A customer asks: is the lantern still available? Draft a reply for me.", "is the lantern still available?"),
        ("顾客说：请尽快回复，灯什么时候到？", "请尽快回复，灯什么时候到？"),
        ("my client wants to know if you ship to France", "my client wants to know if you ship to France"),
        ("a customer asked:", ""),  # draft_reply then asks for their words
    ],
)
def test_a_customers_words_are_a_reply_to_draft(message: str, customer_message: str) -> None:
    routed = with_customer_question(parse_action('{"action": "search_catalog", "query": "popcorn holder"}'), message)
    assert (routed.action, routed.customer_message) == ("draft_reply", customer_message)


@pytest.mark.parametrize(
    "message", ["customers want cheaper candles, what should I stock?", "what do customers ask most?"]
)
def test_a_message_about_customers_is_left_to_the_router(message: str) -> None:
    routed = parse_action('{"action": "search_catalog", "query": "candles"}')
    assert with_customer_question(routed, message) is routed


KEPT = "Is the cake stand in stock"  # the router's words, found in the owner's message


@pytest.mark.parametrize(
    ("message", "retold", "answered"),
    [
        # the real router's retellings in one eval run: an answer it made up, and a reply it wrote itself
        ("顾客问兔子夜灯有多大，帮我回复一下", "兔子夜灯有10英寸。", "顾客问兔子夜灯有多大，帮我回复一下"),
        ("A customer asks: is it waterproof?", "Yes, it is waterproof.", "is it waterproof?"),
        ("reply to this: Do you ship to France?", "Can you ship it to Paris?", "reply to this: Do you ship to France?"),
        ("reply to a customer: is the cake stand in stock?", KEPT, KEPT),
    ],
)
def test_a_reply_answers_the_owners_words_not_the_routers(message: str, retold: str, answered: str) -> None:
    routed = AgentAction(action="draft_reply", customer_message=retold)
    assert with_customer_question(routed, message).customer_message == answered


def test_a_reply_may_answer_words_from_an_earlier_owner_message() -> None:
    routed = AgentAction(action="draft_reply", customer_message="is the heart holder cream?")
    owner_words = "a customer wrote to me yesterday\nis the heart holder cream?\nreply to that one"
    assert with_customer_question(routed, "reply to that one", owner_words) is routed


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("write another post for the rabbit night light", "rabbit night light"),
        ("写一篇小红书笔记推荐兔子夜灯", "兔子 夜灯"),
        ("write an SMS for my shop", ""),
        ("make a poster line for my best sellers", ""),
        ("写一条促销短信", ""),
    ],
)
def test_product_words_of_a_copy_request(message: str, words: str) -> None:
    assert product_words(message) == words


def test_a_made_up_name_gives_way_to_the_product_words_of_the_message() -> None:
    routed = parse_action('{"action": "draft_copy", "skus": ["21"]}')  # the draft number of the turn before
    message = "write another post for the rabbit night light"
    assert without_unnamed_products(routed, message, message).query == "rabbit night light"
    assert without_unnamed_products(routed, "write an SMS for my shop", "write an SMS for my shop").query == ""


def test_a_copy_action_for_a_product_request_without_writing_becomes_a_search() -> None:
    copy = AgentAction(action="draft_copy", query="下个月 办 母亲 母亲节 活动")
    # a real turn: the router drafted copy with nothing to promote for a Mother's Day product request
    searched = as_product_search(copy, "我下个月要办一个母亲节活动，推荐一些商品")
    assert searched == AgentAction(action="search_catalog", query="母亲节")  # it was shown "下个月 办 母亲 母亲节 活动"
    english = as_product_search(copy, "Can you suggest some products for a Halloween party?")
    assert english == AgentAction(action="search_catalog", query="halloween party")
    assert theme_words("what products should I stock for a summer picnic next month?") == "summer picnic"
    assert theme_words("下周要办圣诞派对，推荐点商品") == "圣诞 派对"
    for asks_for_writing in [
        "写一篇小红书笔记推荐兔子夜灯",
        "recommend some products in a WeChat post",
        "推荐一些商品，写个文案",
    ]:
        assert as_product_search(copy, asks_for_writing) is copy
    restock = AgentAction(action="restock_list")
    assert as_product_search(restock, "推荐一些商品") is restock  # only copy actions are re-read


SALES = AgentAction(action="sales_summary")


@pytest.mark.parametrize(
    ("message", "action", "query"),
    [  # 2026-11-25 QA: product questions the router sent to the shop's own sales summary
        ("how much is the rabbit night light?", "product_details", "rabbit night light"),
        ("兔子夜灯多少钱？有货吗？", "product_details", "兔子夜灯"),
        ("What does the paper chain kit cost?", "product_details", "paper chain kit"),
        ("心形烛台的批发价是多少？", "product_details", "心形烛台"),
        ("how much does the rabbit night light sell for?", "product_details", "rabbit night light"),  # v1: sales
        ("do you have jam jars?", "search_catalog", "jam jar"),
        ("兔子夜灯还有货吗", "search_catalog", "兔子夜灯"),
        ("蛋糕架还有货吗？", "search_catalog", "蛋糕架"),  # not "蛋糕 架": the Regency cake fork first
        ("有没有果酱瓶？", "search_catalog", "果酱瓶"),
        ("is the cream hanging heart t-light holder in stock?", "search_catalog", "cream hanging heart t light holder"),
    ],
)
def test_a_price_or_stock_question_routed_to_sales_asks_about_the_product(
    message: str, action: str, query: str
) -> None:
    assert as_product_question(SALES, message) == AgentAction(action=action, query=query)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "message",
    [
        "what sells best in the lights category?",  # the shop's sales, by category: a sales question
        "How much did I spend in the last 90 days?",
        "what are my best sellers?",
        "how many rabbit night lights did I order last month?",
        "what is the price of my best seller?",
        "我最近30天进了多少货？",
        "我进得最多的是哪些商品？",
        "灯具类哪个卖得最好？",
        "how much is it?",  # names no product: the router's choice stands
    ],
)
def test_the_owners_own_orders_and_sales_stay_a_sales_summary(message: str) -> None:
    assert as_product_question(SALES, message) is SALES


def test_only_a_sales_summary_or_a_reply_draft_is_re_read_as_a_product_question() -> None:
    search = AgentAction(action="search_catalog", query="rabbit night light")
    assert as_product_question(search, "how much is the rabbit night light?") is search
    restock = AgentAction(action="restock_list")
    assert as_product_question(restock, "do you have anything I should reorder?") is restock


@pytest.mark.parametrize(
    ("message", "action", "query"),
    [  # the real router (agent_router v1 and v2) drafted customer replies for the owner's own stock questions
        ("兔子夜灯还有货吗", "search_catalog", "兔子夜灯"),
        ("蛋糕架还有货吗？", "search_catalog", "蛋糕架"),
        ("is the popcorn holder in stock?", "search_catalog", "popcorn holder"),
        ("have you got any cake stands?", "search_catalog", "cake stand"),
        ("兔子夜灯多少钱？有货吗？", "product_details", "兔子夜灯"),
    ],
)
def test_a_reply_draft_for_the_owners_own_price_or_stock_question_asks_about_the_product(
    message: str, action: str, query: str
) -> None:
    routed = AgentAction(action="draft_reply", customer_message=message)
    assert as_product_question(routed, message) == AgentAction(action=action, query=query)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "message",
    [
        "reply to a customer: is the cake stand in stock?",
        "顾客问兔子夜灯有多大，帮我回复一下",
        "my client wants to know if the popcorn holder is in stock",
        "Customer says her order arrived broken. Draft a reply for me.",
    ],
)
def test_a_reply_draft_that_names_a_customer_or_a_reply_is_left_to_the_router(message: str) -> None:
    routed = AgentAction(action="draft_reply", customer_message=message)
    assert as_product_question(routed, message) is routed


@pytest.mark.parametrize(
    "message",
    [
        "我进得最多的是哪些商品？",  # the real router, after a sales turn: the details of the first product it listed
        "哪些商品我买得最多？",
        "销量最高的是哪个？",
        "which products did I order most?",
        "what are my best sellers?",
        "what sells best in the lights category?",
    ],
)
def test_a_product_action_for_a_ranking_of_the_owners_own_orders_is_the_sales_summary(message: str) -> None:
    details = AgentAction(action="product_details", sku="21135")
    assert as_sales_question(details, message) == AgentAction(action="sales_summary")
    search = AgentAction(action="search_catalog", query="lights", days=30)
    assert as_sales_question(search, message) == AgentAction(action="sales_summary", days=30)


@pytest.mark.parametrize(
    "message",
    [
        "I want to order the most popular cake stand",  # buying now, not a ranking of past orders
        "how many rabbit night lights did I order last month?",  # one product's own history: its details answer
        "我订的最多的兔子夜灯还有货吗？",  # asks its stock
        "tell me about 22086",
    ],
)
def test_other_product_actions_stay(message: str) -> None:
    details = AgentAction(action="product_details", query="rabbit night light")
    assert as_sales_question(details, message) is details
