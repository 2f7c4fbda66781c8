from __future__ import annotations

import pytest

from assistant.language import detect_language, language_matches


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Do you have the cake stand?", "en"),
        ("请问蛋糕架有货吗？", "zh"),
        ("红色波点的午餐袋 lunch bag 有货吗？", "zh"),
        ("兔子小夜灯 RABBIT NIGHT LIGHT 多少钱", "zh"),
        ("Is the 蛋糕 in stock today please?", "en"),
        ("12345", "en"),
    ],
)
def test_detect(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_matches_ignores_catalog_titles_in_capitals() -> None:
    assert language_matches("这款 CREAM HANGING HEART T-LIGHT HOLDER 很适合送礼", "zh")
    assert not language_matches("This one is lovely", "zh")
    assert not language_matches("这个很好", "en")
