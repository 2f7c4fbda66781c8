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
# Fee lines under an ordinary product code, told by their whole title: Online Retail's 23444 "Next Day Carriage"
# (80 lines, 63 merchants) was in three merchants' restock lists. Postage, carriage, delivery and shipping
# charges, bank charges, commissions and fees; not a product that names one ("POSTAGE STAMP TIN").
NON_PRODUCT_TITLE = re.compile(
    r"\s*(?:(?:next|same)[ -]day |express |standard |dotcom |international )?"
    r"(?:carriage|postage|delivery|shipping)(?: (?:charges?|fees?|costs?))?"
    r"|\s*bank charges?|\s*(?:[\w-]+ )?commission|\s*(?:[\w-]+ )?(?:fee|fees|surcharge)\s*",
    re.IGNORECASE,
)


def is_non_product(sku: str) -> bool:
    code = sku.strip().upper()
    return code in NON_PRODUCT_CODES or bool(NON_PRODUCT_PATTERN.match(code))


def is_fee_title(title: str) -> bool:
    """Whether a whole title names a fee, not a product ("Next Day Carriage"; not "POSTAGE STAMP TIN")."""
    return bool(NON_PRODUCT_TITLE.fullmatch(title.strip()))


def non_product_mask(skus: pd.Series, titles: pd.Series | None = None) -> pd.Series:
    """Vectorised is_non_product over upper-cased SKUs; with `titles` (the lines' descriptions), every line of a
    SKU that one of its lines titles as a fee is one too (a fee line's description may be empty)."""
    mask = skus.isin(NON_PRODUCT_CODES) | skus.str.match(NON_PRODUCT_PATTERN.pattern)
    if titles is None:
        return mask
    fee = titles.fillna("").str.strip().str.fullmatch(NON_PRODUCT_TITLE.pattern, case=False)
    return mask | skus.isin(set(skus[fee.to_numpy()]))
