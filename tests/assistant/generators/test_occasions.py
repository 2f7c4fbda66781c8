from __future__ import annotations

from assistant.generators.occasions import fits, occasion_in, occasion_words, out_of_season, writable_occasion


def test_a_theme_names_its_occasion_in_either_language() -> None:
    assert occasion_words("母亲节") == occasion_words("Mother's Day") == ["mother", "mothers", "mum", "mums"]
    assert occasion_words("万圣节派对")[0] == "halloween" and occasion_words("XMAS sale")[0] == "christmas"
    assert occasion_words("双11") == [] and occasion_words("summer garden party") == []


def test_titles_fit_on_whole_words() -> None:
    words = occasion_words("Mother's Day")
    assert fits("MUM'S KITCHEN CLOCK", words) and fits("MOTHER'S KITCHEN SPOON REST", words)
    assert not fits("CHRYSANTHEMUM CANDLE", words) and not fits("CARD WEDDING DAY", words)


def test_an_occasion_is_written_without_digits() -> None:
    assert [writable_occasion(t, "zh") for t in ("双11", "618", "520", "双12", "2027新年")] == [
        "双十一", "六一八", "五二零", "双十二", "二零二七新年"
    ]  # fmt: skip
    assert writable_occasion("New Year 2027", "en") == "New Year" and writable_occasion("Easter", "en") == "Easter"


def test_the_occasion_a_message_names_is_found_as_written() -> None:
    assert occasion_in("帮我写一条母亲节的朋友圈文案") == "母亲节"
    assert occasion_in("Write a post for Halloween and Christmas") == "Halloween"  # the first named
    assert occasion_in("write an SMS for my shop") is None


def test_a_product_tied_to_another_holiday_is_out_of_season() -> None:
    assert out_of_season("PARTY CONE CHRISTMAS DECORATION", "summer garden party")
    assert out_of_season("SET OF 6 HALLOWEEN GHOST T-LIGHTS", "母亲节")
    assert not out_of_season("PARTY CONE CHRISTMAS DECORATION", "圣诞派对")  # the theme names Christmas
    assert not out_of_season("HAND WARMER RED RETROSPOT", "summer garden party")
    assert not out_of_season("SWEETHEART CAKESTAND", "Halloween")  # "heart" ties no holiday
    assert not out_of_season("PINK HEART SHAPE EGG FRYING PAN", "Valentine's Day")
