from __future__ import annotations

from recsys.search.tokenize import has_cjk, stem, tokenize


def test_chinese_is_segmented_with_jieba_search_mode() -> None:
    tokens = tokenize("儿童派对礼品袋")
    assert {"儿童", "派对", "礼品袋", "礼品"} <= set(tokens)
    assert "圣诞节" in tokenize("圣诞节橱窗灯串") and "灯串" in tokenize("圣诞节橱窗灯串")


def test_chinese_stop_words_dropped() -> None:
    assert "的" not in tokenize("便宜的生日礼物袋")


def test_english_is_lowercased_stemmed_and_stopwords_dropped() -> None:
    assert tokenize("Fairy LIGHTS for a Christmas window") == ["fairy", "light", "christma", "window"]
    assert tokenize("WHITE HANGING HEART T-LIGHT HOLDER") == ["white", "hanging", "heart", "t", "light", "holder"]
    assert tokenize("Does the shop still have it? How much is the watering can?") == ["shop", "watering", "can"]


def test_mixed_text_keeps_both_scripts() -> None:
    tokens = tokenize("LED圣诞灯串 10米")
    assert tokens[0] == "led" and "圣诞" in tokens and "10" in tokens
    assert has_cjk("LED圣诞灯串") and not has_cjk("LED LIGHTS")


def test_stem_is_conservative() -> None:
    assert [stem(w) for w in ["boxes", "doilies", "glass", "bags", "bus", "lights"]] == [
        "box",
        "doily",
        "glass",
        "bag",
        "bus",
        "light",
    ]


def test_number_words_two_to_twelve_are_digits() -> None:
    assert tokenize("Three tiers, SET OF 3") == ["3", "tier", "set", "3"]
    assert tokenize("a red one") == ["red", "one"]
