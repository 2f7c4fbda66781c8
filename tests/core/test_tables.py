from __future__ import annotations

from core.tables import ApiKey, Order, Product, RejectedRow, max_chars, text_problem


def test_the_limits_are_the_columns_own_and_the_shortest_counts() -> None:
    assert max_chars(Product.sku) == 64 and max_chars(RejectedRow.reason) == 200
    assert max_chars(Product.sku, Order.invoice_id) == 32
    assert max_chars(Product.title) is None and max_chars() is None  # Text: no limit


def test_text_problem_names_a_nul_character_before_the_length() -> None:
    assert text_problem("label", "l" * 200, ApiKey.label) is None
    assert text_problem("label", "l" * 201, ApiKey.label) == "label longer than 200 characters"
    assert text_problem("label", "l\x00" * 201, ApiKey.label) == "label contains a NUL character"
    assert text_problem("title", "t" * 100_000, Product.title) is None
