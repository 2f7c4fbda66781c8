from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.agent.budget import Budget, budget_in, fit
from core.domain import RestockItem


@pytest.mark.parametrize(
    ("message", "budget"),
    [
        ("I only have 20 pounds this week. What should I reorder?", Budget(Decimal(20), "GBP")),  # a real turn
        ("I have £50 to spend", Budget(Decimal(50), "GBP")),
        ("budget: 1,200.50 GBP", Budget(Decimal("1200.50"), "GBP")),
        ("预算200镑，帮我补货", Budget(Decimal(200), "GBP")),
        ("这周能花150英镑进货", Budget(Decimal(150), "GBP")),
        ("my budget is 30", Budget(Decimal(30), "")),  # no currency: the data's
        ("花瓶要补货吗，预算 80", Budget(Decimal(80), "")),  # 花瓶 is a vase, 预算 the budget word
        ("reorder for 2 weeks, budget 60", Budget(Decimal(60), "")),  # 2 weeks is not money
        ("我只有100元", Budget(Decimal(100), "CNY")),
        ("I can spend $40", Budget(Decimal(40), "USD")),
    ],
)
def test_budgets_in_the_owners_words(message: str, budget: Budget) -> None:
    assert budget_in(message) == budget


@pytest.mark.parametrize(
    "message",
    [
        "What should I reorder this week?",
        "items under 2 pounds each",  # a unit price
        "补货，单价10镑以内",  # a unit price
        "最多10个商品",  # a count
        "I have 3 shops, what should I reorder?",  # no money
        "我进得最多的是哪些商品？",
    ],
)
def test_unit_prices_counts_and_plain_questions_are_no_budget(message: str) -> None:
    assert budget_in(message) is None


def _item(sku: str, quantity: int, price: str | None, available: bool = True) -> RestockItem:
    unit_price = None if price is None else Decimal(price)
    return RestockItem(sku=sku, title=sku, quantity=quantity, unit_price=unit_price, available=available)


def test_lines_are_taken_whole_in_order_and_the_next_ones_fill_the_room() -> None:
    items = [
        _item("A", 12, "1.00"),  # 12.00
        _item("B", 2, "4.96"),  # 9.92: does not fit after A
        _item("C", 1, "9.99", available=False),  # not orderable
        _item("D", 1, None),  # no price: cannot be budgeted
        _item("E", 6, "0.85"),  # 5.10
        _item("F", 1, "2.95"),  # 2.95: 20.05 would pass 20
        _item("G", 2, "1.00"),  # 2.00
    ]
    fitted = fit(items, Decimal(20), limit=10)
    assert [item.sku for item in fitted.items] == ["A", "E", "G"]
    assert fitted.total == Decimal("19.10") and fitted.over_budget == 2
    assert [item.quantity for item in fitted.items] == [12, 6, 2]  # quantities stay the recommender's
    assert [item.sku for item in fit(items, Decimal(100), limit=2).items] == ["A", "B"]
