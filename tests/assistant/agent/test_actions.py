from __future__ import annotations

import pytest

from assistant.agent.actions import ACTIONS, ROUTER_SCHEMA, RouterOutputError, parse_action, with_named_channel
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
