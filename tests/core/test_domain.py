from __future__ import annotations

from decimal import Decimal

import pytest

from core.domain import plain_price


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("2.9500", "2.95"), ("3.0000", "3.00"), ("0.0021", "0.0021"), ("0.1250", "0.125"), ("12", "12.00")],
)
def test_plain_price_drops_zeros_past_the_pennies_only(stored: str, shown: str) -> None:
    assert str(plain_price(Decimal(stored))) == shown
    assert plain_price(None) is None
