from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, cast

from assistant.agent.actions import AgentAction
from assistant.agent.tools import ToolContext, ToolResult, availability, drafts_of, restock_list, sales_text
from core.domain import RestockItem, RestockList


def test_the_drafts_note_counts_and_articles_in_english() -> None:
    assert drafts_of(3, "WeChat Moments post") == "3 variants of a WeChat Moments post"
    assert drafts_of(1, "SMS text message") == "1 variant of an SMS text message"  # was "of a SMS"
    assert drafts_of(2, "one poster line") == "2 variants of a one poster line"
    assert drafts_of(2, "email body") == "2 variants of an email body"


class ListRestock:
    """A restock source that hands out the given lines (the first k)."""

    def __init__(self, items: list[RestockItem]) -> None:
        self.items = items
        self.asked: list[int] = []

    def restock_for(self, merchant_id: str, *, as_of: date | None = None, k: int = 20) -> RestockList:
        self.asked.append(k)
        return RestockList(merchant_id=merchant_id, as_of=date(2011, 12, 9), model_version="t-1", items=self.items[:k])

    def default_as_of(self) -> date:
        return date(2011, 12, 9)


def _line(sku: str, quantity: int, price: str, available: bool = True) -> RestockItem:
    return RestockItem(sku=sku, title=f"ITEM {sku}", quantity=quantity, unit_price=Decimal(price), available=available)


# a real merchant's first six lines, then made-up ones: 40.92 GBP for the first ten
LINES = [
    _line("22086", 1, "2.95"), _line("23084", 2, "2.08"), _line("22197", 6, "0.85"), _line("22865", 2, "4.96"),
    _line("23344", 2, "1.79"), _line("21034", 2, "0.95"), _line("21914", 2, "1.25"), _line("22112", 1, "4.95"),
    _line("21080", 4, "0.85"), _line("22633", 1, "2.46"), _line("20725", 1, "1.65"), _line("84879", 8, "1.69"),
]  # fmt: skip


def _restock(message: str, lang: str = "en", items: list[RestockItem] = LINES) -> tuple[ToolResult, ListRestock]:
    source = ListRestock(items)
    ctx = ToolContext(cast(Any, None), source, cast(Any, None), cast(Any, None), "m-en", lang, message)
    return restock_list(ctx, AgentAction(action="restock_list")), source


def test_a_restock_list_without_a_budget_is_the_first_ten_lines() -> None:
    result, source = _restock("What should I reorder this week?")
    table = result.events[0][1]
    assert source.asked == [10] and len(table["items"]) == 10 and table["total"] == "40.92"
    assert "budget" not in table and result.text == "Your restock list has 10 items, 40.92 GBP in total."


def test_the_budget_in_the_message_fits_the_list_and_every_figure_is_computed() -> None:
    # a real turn got the whole 37.55 GBP list, and the model said it stayed "within your budget"
    result, source = _restock("I only have 20 pounds this week. What should I reorder?")
    table = result.events[0][1]
    assert source.asked == [40]
    skus = [row["sku"] for row in table["items"]]
    assert skus == ["22086", "23084", "22197", "23344", "21034", "20725"]  # 22865 (9.92) and 4 more do not fit
    total = sum(Decimal(row["line_total"]) for row in table["items"])
    assert table["total"] == str(total) == "19.34" and total <= 20
    assert table["budget"] == {"amount": "20.00", "currency": "GBP"} and table["full_list_total"] == "40.92"
    assert table["over_budget"] == 6  # the priced, orderable lines among the 12 that did not fit
    assert result.facts["budget"] == "20.00" and result.facts["full_list_total"] == "40.92"
    assert result.facts["largest_quantity"] == {"title": "ITEM 22197", "quantity": 6}  # of the lines shown
    expected = "For your budget of 20.00 GBP: 6 items, 19.34 GBP in total (your full list: 10 items, 40.92 GBP)."
    assert result.text == expected
    zh, _ = _restock("预算20镑，帮我补货", lang="zh")
    assert zh.text == "按 20.00 GBP 的预算：6 个商品，合计 19.34 GBP（完整补货单 10 个商品，合计 40.92 GBP）。"


def test_a_budget_the_list_cannot_meet_or_in_another_currency_shows_the_whole_list_and_says_why() -> None:
    small, _ = _restock("my budget is 1")
    assert len(small.events[0][1]["items"]) == 10 and "budget" not in small.events[0][1]
    assert small.text.startswith("No line of your restock list fits within 1.00 GBP. Your restock list has 10 items")
    cny, _ = _restock("我只有100元，补什么货？", lang="zh")
    assert cny.text.startswith("您的预算是 CNY，但批发价是 GBP，我没有汇率，无法换算。您的补货单共 10 个商品")
    ample, _ = _restock("I have £500 to spend")
    assert ample.text == "All of it fits your budget of 500.00 GBP. Your restock list has 10 items, 40.92 GBP in total."


def test_an_unavailable_line_is_shown_but_not_counted_in_the_total() -> None:
    items = [_line("22086", 1, "2.95"), _line("23084", 2, "2.08", available=False)]
    result, _ = _restock("What should I reorder?", items=items)
    assert [row["available"] for row in result.events[0][1]["items"]] == [True, False]
    assert result.events[0][1]["total"] == "2.95"
    assert result.facts["largest_quantity"] == {"title": "ITEM 22086", "quantity": 1}  # not the unavailable 2
    assert result.text == "Your restock list has 2 items, 2.95 GBP in total."
    one, _ = _restock("What should I reorder?", items=items[:1])
    assert one.text == "Your restock list has 1 item, 2.95 GBP in total."


def test_the_sales_lead_names_the_most_ordered_products_and_says_when_there_are_no_orders() -> None:
    # a real "what did I order most last month?" turn showed only the totals, and the model added nothing
    summary = {
        "from": "2011-11-09", "to": "2011-12-09", "invoices": 45, "units": 7297, "spend": "9463.02",
        "currency": "GBP", "top_products": [
            {"sku": "21135", "title": "VICTORIAN  METAL POSTCARD SPRING", "units": 576},
            {"sku": "22071", "title": "SMALL WHITE RETROSPOT MUG IN BOX", "units": 353},
            {"sku": "84077", "title": "WORLD WAR 2 GLIDERS ASSTD DESIGNS", "units": 288},
            {"sku": "22086", "title": "PAPER CHAIN KIT 50'S CHRISTMAS", "units": 80},
        ],
    }  # fmt: skip
    assert sales_text("en", summary) == (
        "From 2011-11-09 to 2011-12-09: 45 orders, 7297 units, 9463.02 GBP spent. Most units: VICTORIAN  METAL "
        "POSTCARD SPRING (576), SMALL WHITE RETROSPOT MUG IN BOX (353), WORLD WAR 2 GLIDERS ASSTD DESIGNS (288)."
    )
    assert sales_text("zh", summary).endswith("、WORLD WAR 2 GLIDERS ASSTD DESIGNS（288 件）。")
    empty = {"merchant_id": "m", "invoices": 0, "units": 0, "spend": "0.00", "top_products": []}  # no "from" / "to"
    assert sales_text("en", empty) == "There are no orders from your shop in that period."


def test_a_products_availability_is_said_from_its_data_and_unknown_stock_is_not_zero() -> None:
    # "兔子夜灯多少钱？有货吗？" got the price and nothing on stock; the demo catalog publishes no stock figure
    assert availability("zh", None, True) == "批发商在售（未公布库存数量）"
    assert availability("en", None, True) == "on sale at S (no stock figure published)"
    assert availability("en", 8, True) == "8 in stock at S" and availability("zh", 0, True) == "批发商暂时缺货"
    assert availability("en", 8, False) == "S no longer sells it"
