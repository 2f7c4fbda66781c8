"""Recognise non-product stock codes (postage, fees, manual adjustments, bank charges, vouchers)."""

from __future__ import annotations

import re

import pandas as pd

NON_PRODUCT_CODES = frozenset(
    {
        "POST",
        "DOT",
        "M",
        "D",
        "C2",
        "C3",
        "S",
        "B",
        "CRUK",
        "PADS",
        "BANK CHARGES",
        "AMAZONFEE",
        "ADJUST",
        "ADJUST2",
    }
)
NON_PRODUCT_PATTERN = re.compile(r"^(GIFT_\d+_\d+|TEST\d*|ADJUST\w*)$")


def is_non_product(sku: str) -> bool:
    code = sku.strip().upper()
    return code in NON_PRODUCT_CODES or bool(NON_PRODUCT_PATTERN.match(code))


def non_product_mask(skus: pd.Series) -> pd.Series:
    """Vectorised is_non_product over upper-cased SKUs."""
    return skus.isin(NON_PRODUCT_CODES) | skus.str.match(NON_PRODUCT_PATTERN.pattern)
