from __future__ import annotations

from decimal import Decimal

from assistant.generators.common import money_text


def test_money_text_keeps_a_fraction_of_a_penny() -> None:
    # a fuel price of 0.0021 a unit (the second shop) was written as "£0.00"
    assert (money_text(0.0021), money_text(2.5), money_text(Decimal("10.9500"), "CNY")) == (
        "£0.0021",
        "£2.50",
        "¥10.95",
    )
